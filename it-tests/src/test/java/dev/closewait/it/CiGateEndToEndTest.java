package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.scenarios.ExitAfterLeak;
import dev.closewait.it.scenarios.PlainSocketLeak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.closewait.it.EndToEnd.EXIT;
import static dev.closewait.it.EndToEnd.REPORTED;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CI gate as a build meets it: failOnLeak's exit status, the ignore list, check on a real report. */
class CiGateEndToEndTest {

    @TempDir
    Path work;

    @AcrossJdks
    void failOnLeakSetsStatus3OnlyForALeakingRunAndKeepsTheApplicationsOwnStatus(Jdk jdk) throws Exception {
        assumePresent(jdk);
        // Seven JVMs at once: each spends most of its life waiting for a scan or its exit.
        Map<String, ScenarioProcess> runs = new LinkedHashMap<>();
        try {
            for (String how : List.of("clean", "return", "exit0", "exit5", "throw", "renamed-throw", "other-main")) {
                runs.put(how, ScenarioProcess.start(jdk, Files.createDirectories(work.resolve(how)), ExitAfterLeak.class,
                        "interval=200ms,grace=500ms,failOnLeak", how));
            }
            assertExit(runs.get("clean"), "clean", 0, false);
            assertExit(runs.get("return"), "return", 3, true);
            assertExit(runs.get("exit0"), "exit0", 3, true);
            assertExit(runs.get("exit5"), "exit5", 5, true);
            assertExit(runs.get("throw"), "throw", 1, true);
            // The thread that ran main, not a name: it may rename itself, another thread may be named so.
            assertExit(runs.get("renamed-throw"), "renamed-throw", 1, true);
            assertExit(runs.get("other-main"), "other-main", 3, true);
        } finally {
            runs.values().forEach(ScenarioProcess::close);
        }
    }

    private static void assertExit(ScenarioProcess app, String how, int expected, boolean leaks) throws Exception {
        assertEquals(expected, app.awaitExit(EXIT), how + ": " + app.describe());
        assertEquals("done", app.result("applicationHook"), "the application's own hook ran to its end");
        String stderr = app.stderr();
        assertEquals(leaks, stderr.contains("failOnLeak: this run leaked 1 connection (listed above); the JVM exits"
                + " with status 3"), how + ": " + stderr);
        if (leaks) {
            assertEquals(1, stderr.split("=> dev.closewait.it.scenarios.ExitAfterLeak.openAndForget\\(", -1).length - 1,
                    "the leak's stack is printed, once (the log prints it on standard error): " + stderr);
        }
    }

    @Test
    void ignoredLeakIsCountedNotListedAndARuleThatMatchedNothingIsReported() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: the ignore rules apply to findings, the same on every JDK.
        Path ignore = Files.writeString(work.resolve("ignore.txt"), String.join("\n",
                "# known leak, ticket 123",
                "frame:dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection",
                "remote:*:1",
                ""));
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class,
                "interval=200ms,grace=1s,ignore=" + ignore)) {
            app.awaitStep("leaked", REPORTED);
            // Past grace and a few scans. No event marks it: an ignored finding changes neither the report
            // file nor the log until the summary at exit, which is what this test reads.
            Thread.sleep(2500);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report report = app.finalReport();
            assertEquals(0, report.leaks().size(), report.json()::toString);
            assertEquals(1, report.summary("ignored"), report.json()::toString);
            String stderr = app.stderr();
            assertFalse(stderr.contains("LEAK #"), stderr);
            assertTrue(stderr.contains("1 more left out by ignore rules"), stderr);
            assertTrue(stderr.contains("ignore rule 'remote:*:1' (" + ignore + " line 3) matched nothing in this run"), stderr);
            assertFalse(stderr.contains("'frame:dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection' ("), stderr);

            Cli.Run check = Cli.run(jdk, "check", work.resolve("leaks.json").toString());
            assertEquals(0, check.status(), check.describe());
            assertTrue(check.out().contains("no connection leaks") && check.out().contains("1 more left out by ignore rules"),
                    check.describe());
        }
    }

    @AcrossJdks
    void badIgnoreRuleStopsTheJvmAtStartUpWithItsLine(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path ignore = Files.writeString(work.resolve("ignore.txt"), "frame:com.acme.\nhost:db:5432\n");
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, "ignore=" + ignore)) {
            assertEquals(2, app.awaitExit(EXIT), app::describe);
            assertTrue(app.stderr().contains(ignore + " line 2 is not a rule; write frame:"), app.stderr());
            assertFalse(app.stderr().contains("host:db:5432"), "no error message quotes a file's contents: " + app.stderr());
        }
    }

    @Test
    void checkListsTheLeaksOfARealReportWithStatus1() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: check reads a file; the report is the same on every JDK.
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, "interval=200ms,grace=1s")) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
        Cli.Run check = Cli.run(jdk, "check", work.resolve("leaks.json").toString());
        assertEquals(1, check.status(), check.describe());
        List<String> lines = check.out().lines().toList();
        assertEquals(2, lines.size(), check.describe());
        assertTrue(lines.get(0).startsWith("closewait check: 1 connection leak in "), check.describe());
        assertTrue(lines.get(1).contains("OPEN") && lines.get(1).contains("127.0.0.1:")
                && lines.get(1).contains("dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection("), check.describe());

        JsonNode json = Report.read(work.resolve("leaks.json")).json();
        Files.writeString(work.resolve("truncated.json"), json.toString().substring(0, json.toString().length() / 2));
        Cli.Run truncated = Cli.run(jdk, "check", work.resolve("truncated.json").toString());
        assertEquals(2, truncated.status(), truncated.describe());
        assertTrue(truncated.err().contains("is not valid JSON at line 1, column"), truncated.describe());
        Cli.Run missing = Cli.run(jdk, "check", work.resolve("nothing-here.json").toString());
        assertEquals(2, missing.status(), missing.describe());
        assertTrue(missing.err().contains("no such file"), missing.describe());
    }
}
