package dev.closewait.build;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The build step that compiles the netlink library ({@code src/build/NetlinkLibrary.java}, run by
 * agent/pom.xml): without gcc, off Linux x86-64 and when told to skip, it prints one warning line,
 * leaves no library behind and lets the build go on; with gcc it builds it. The build case runs the
 * step as the build does, from its source file; the skips run it compiled once, which spares each
 * of them the source launcher's compilation (a second of CPU on the build's critical path).
 */
class NetlinkLibraryStepTest {

    private static final Path STEP = Paths.get("src/build/NetlinkLibrary.java");
    private static final Path SOURCE = Paths.get("src/main/c/closewait_netlink.c");

    @TempDir
    Path dir;

    /** The step, compiled once for the cases that need not compile it again. */
    private static Path compiledStep;

    @BeforeAll
    static void compileTheStepOnce(@TempDir Path classes) {
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), STEP.toString()),
                "the step compiles");
        compiledStep = classes;
    }

    private record Run(int status, List<String> out, String err) {
    }

    /** Runs the compiled step. */
    private Run step(String path, String skip, String... jvmOptions) throws IOException, InterruptedException {
        List<String> launch = new ArrayList<>(List.of(jvmOptions));
        launch.addAll(List.of("-cp", compiledStep.toString(), "NetlinkLibrary"));
        return run(launch, path, skip);
    }

    /** Runs the step from its source file, as agent/pom.xml does. */
    private Run stepFromSource(String path, String skip) throws IOException, InterruptedException {
        return run(List.of(STEP.toString()), path, skip);
    }

    private Run run(List<String> launch, String path, String skip) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(launch);
        command.addAll(List.of(SOURCE.toString(), library().toString(),
                System.getProperty("java.home"), skip));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile())
                .redirectOutput(dir.resolve("out.txt").toFile());
        builder.environment().put("PATH", path);
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the step ends");
        return new Run(process.exitValue(), Files.readAllLines(dir.resolve("out.txt")),
                Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    private Path library() {
        return dir.resolve("classes/META-INF/native/linux-x86_64/libclosewait-netlink.so");
    }

    /** A library left by an earlier build, which a build without the library must not put in its jar. */
    private void staleLibrary() throws IOException {
        Files.createDirectories(library().getParent());
        Files.writeString(library(), "stale");
    }

    @Test
    void withoutGccOnThePathTheStepPrintsOneWarningAndTheBuildGoesOn() throws Exception {
        staleLibrary();
        Path emptyBin = Files.createDirectories(dir.resolve("bin-without-gcc"));
        Run run = step(emptyBin.toString(), "false");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.out().size(), run::toString);
        String warning = run.out().get(0);
        assertTrue(warning.startsWith("[WARNING] closewait-agent: the jar is built without its netlink library"),
                warning);
        assertTrue(warning.contains("no gcc on PATH") && warning.contains("/proc"), warning);
        assertFalse(Files.exists(library()), "no library in the classes: " + run);
    }

    @Test
    void thePropertyForcesTheSkipEvenWithGcc() throws Exception {
        staleLibrary();
        Run run = step(System.getenv("PATH"), "true");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.out().size(), run::toString);
        assertTrue(run.out().get(0).contains("(-Dclosewait.netlink.skip)"), run::toString);
        assertFalse(Files.exists(library()), run::toString);
        assertEquals(0, step(System.getenv("PATH"), "").status(), "a bare -Dclosewait.netlink.skip= skips too");
    }

    @Test
    void offLinuxX8664TheStepSkipsSayingWhichPlatformThisIs() throws Exception {
        Run run = step(System.getenv("PATH"), "false", "-Dos.arch=aarch64");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.out().size(), run::toString);
        assertTrue(run.out().get(0).contains("it is built only on Linux x86-64, this is"), run::toString);
        assertTrue(run.out().get(0).contains("aarch64"), run::toString);
        assertFalse(Files.exists(library()), run::toString);
    }

    @Test
    void withGccOnLinuxX8664TheStepBuildsTheLibrarySilently() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(System.getProperty("os.name").equals("Linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "the library is built on Linux x86-64 only");
        assumeTrue(onPath("gcc"), "no gcc on this machine's PATH");
        Run run = stepFromSource(System.getenv("PATH"), "false");
        assertEquals(0, run.status(), run::toString);
        assertEquals(List.of(), run.out(), run::toString);
        assertTrue(Files.size(library()) > 1000, "a shared library: " + run);
    }

    private static boolean onPath(String name) {
        for (String directory : System.getenv("PATH").split(File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(directory, name))) {
                return true;
            }
        }
        return false;
    }
}
