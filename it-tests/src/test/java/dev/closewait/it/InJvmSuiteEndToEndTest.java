package dev.closewait.it;

import dev.closewait.it.injvm.InJvmSuite;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-JVM suite ({@code dev.closewait.it.injvm}) under the built agent, on every JDK: one JVM
 * per JDK, started with {@code -javaagent:} and the suite's options ({@code closewait.injvm.agent}
 * in {@code it-tests/pom.xml}), runs every test of the suite inside itself through
 * {@link InJvmSuite}. Those tests spend their seconds waiting for grace, so the two JVMs run
 * beside the other separate-JVM classes rather than after them. Per-test results are in
 * {@code target/injvm-reports-<feature>/TEST-junit-jupiter.xml}, and printed here on failure.
 */
class InJvmSuiteEndToEndTest {

    /** The whole suite takes about 20 s on a quiet machine. */
    private static final Duration SUITE = Duration.ofMinutes(10);

    @AcrossJdks
    void everyInJvmTestPassesUnderTheAgent(Jdk jdk, @TempDir Path work) throws Exception {
        EndToEnd.assumePresent(jdk);
        Path reports = Path.of(required("closewait.injvm.reports") + "-" + jdk.feature());
        for (Path stale : reportsIn(reports)) {
            Files.delete(stale); // a report left by an earlier build must not pass for this one's
        }
        Path output = work.resolve("suite.out");
        Process suite = new ProcessBuilder(jdk.java().toString(),
                required("closewait.injvm.agent"),
                "-Dclosewait.injvm.log=" + required("closewait.injvm.log"),
                "-cp", required("closewait.scenario.classpath"),
                InJvmSuite.class.getName(), reports.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean ended = suite.waitFor(SUITE.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            KilledJvm.kill(suite); // and the attach socket and perf data file it leaves in /tmp
        }
        String printed = Files.readString(output);
        System.out.println("[it-tests] the in-JVM suite on " + jdk + ":\n" + printed);
        assertTrue(ended, "the in-JVM suite on " + jdk + " did not end within " + SUITE);
        assertEquals(0, suite.exitValue(), "the in-JVM suite on " + jdk + " failed (its output is above)");
        List<Path> written = reportsIn(reports);
        assertEquals(1, written.size(), "one XML report (JUnit's, for the Jupiter engine): " + written);
        String xml = Files.readString(written.get(0));
        for (String testClass : suiteClasses()) {
            assertTrue(xml.contains("classname=\"" + testClass + "\""), testClass + " ran on " + jdk);
        }
    }

    /** The suite's test classes, as compiled: {@code dev.closewait.it.injvm.*Test}. */
    private static List<String> suiteClasses() throws Exception {
        String suitePackage = InJvmSuite.class.getPackageName();
        Path dir = Path.of(InJvmSuite.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(suitePackage.replace('.', '/'));
        try (Stream<Path> files = Files.list(dir)) {
            List<String> classes = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith("Test.class"))
                    .map(n -> suitePackage + "." + n.substring(0, n.length() - ".class".length()))
                    .sorted().collect(Collectors.toList());
            assertTrue(classes.size() >= 2, "the suite's classes in " + dir + ": " + classes);
            return classes;
        }
    }

    private static List<Path> reportsIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("TEST-")).sorted().collect(Collectors.toList());
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null && !value.isBlank(), property + " is set by it-tests/pom.xml");
        return value;
    }
}
