package dev.closewait.it.hardening;

import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import dev.closewait.it.scenarios.PlainSocketLeak;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.closewait.it.hardening.Hostile.EXIT;
import static dev.closewait.it.hardening.Hostile.FAST;
import static dev.closewait.it.hardening.Hostile.REPORTED;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Faults of the host around the agent: a log on a full disk, ignore files that are not plain
 * UTF-8, a SecurityManager (JDK 17), and option values quoted to hold a comma.
 */
class FaultsEndToEndTest {

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aFullDiskForTheLogWarnsOnceAndTheApplicationRunsOnWithAQuotedReportPathAndABomIgnoreFile(Jdk jdk)
            throws Exception {
        assumePresent(jdk);
        Path commaDir = Files.createDirectory(work.resolve("a,b"));
        Path report = commaDir.resolve("leaks.json");
        Path ignore = work.resolve("ignore.txt");
        // A byte order mark, as Windows editors write: line 1 is still a rule.
        Files.write(ignore, ("\uFEFFremote:192.0.2.1:*\r\n# a comment\r\n").getBytes(StandardCharsets.UTF_8));
        List<String> command = Hostile.java(jdk, FAST + ",log=/dev/full,report=\"" + report + "\",ignore=" + ignore,
                List.of(), PlainSocketLeak.class);
        try (ScenarioProcess app = ScenarioProcess.start(command, work, report)) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            String stderr = app.stderr();
            System.out.println("[it-tests] " + jdk + " log=/dev/full, stderr:\n" + stderr);
            assertEquals(1, stderr.split("cannot write the log file /dev/full", -1).length - 1,
                    "one warning on stderr, where the user looks: " + stderr);
            Report last = Report.read(report);
            assertEquals("OPEN", last.leakWithLocalPort(port).path("status").asText(), last.json()::toString);
            assertEquals(0, last.summary("ignored"), "the rule of line 1 was read, and matched nothing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void anIgnoreFileThatIsNotUtf8IsRefusedNamingItsLineNotQuotingIt(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path ignore = work.resolve("ignore-latin1.txt");
        Files.write(ignore, "# known leaks\nframe:com.acme.Caf\u00e9Client\n".getBytes(StandardCharsets.ISO_8859_1));
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, "ignore=" + ignore)) {
            assertEquals(2, app.awaitExit(EXIT), app::describe);
            String stderr = app.stderr();
            assertTrue(stderr.contains("bad ignore file (option 'ignore'): " + ignore + " line 2 is not UTF-8 text;"
                    + " save the file as UTF-8"), stderr);
            assertFalse(stderr.contains("acme"), "the file's contents are not quoted: " + stderr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void underASecurityManagerALeakIsStillReported(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeTrue(jdk.feature() < 24, "JDK 24 and later have no SecurityManager (JEP 486)");
        String classes = System.getProperty("closewait.scenario.classpath", "target/test-classes").split(java.io.File.pathSeparator)[0];
        Path policy = work.resolve("app.policy");
        Files.writeString(policy, "grant codeBase \"file:" + ScenarioProcess.agentJar() + "\" {\n"
                + "  permission java.security.AllPermission;\n};\n"
                + "grant codeBase \"file:" + Path.of(classes).toAbsolutePath() + "/-\" {\n"
                + "  permission java.net.SocketPermission \"127.0.0.1:0-\", \"connect,listen,accept,resolve\";\n"
                + "  permission java.net.SocketPermission \"localhost:0-\", \"listen,resolve\";\n"
                + "  permission java.io.FilePermission \"/proc/-\", \"read\";\n"
                + "  permission java.util.PropertyPermission \"*\", \"read\";\n};\n");
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, FAST,
                List.of("-Djava.security.manager", "-Djava.security.policy=" + policy))) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            assertTrue(Report.stack(report.leakWithLocalPort(port)).stream()
                    .anyMatch(f -> f.startsWith("dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection(")),
                    report.json()::toString);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            assertTrue(app.stderr().contains("1 leak (1 OPEN)"), app::describe);
            assertFalse(app.stderr().contains("turned itself off"), app::describe);
        }
    }
}
