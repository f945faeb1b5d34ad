package dev.closewait.it.picture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.closewait.it.picture.PeersNotClosingEndToEndTest.assertHasFrame;
import static dev.closewait.it.picture.PeersNotClosingEndToEndTest.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Port pressure end to end: a JVM with the agent on the built, shaded jar churns connections to
 * one remote inside a network namespace whose ephemeral range is 100 ports ({@link PrivateNetwork}),
 * so that passing half of it takes 50 connections rather than 14,117. On every {@link Jdk}.
 */
class PortPressureEndToEndTest {

    static final String FAST = PeersNotClosingEndToEndTest.FAST;
    static final Duration STEP = PeersNotClosingEndToEndTest.STEP;
    static final Duration EXIT = PeersNotClosingEndToEndTest.EXIT;
    static final String REMOTE = "127.0.0.1:" + PortChurn.STOCK_PORT;
    static final String CHURNING_FRAME = "dev.closewait.it.picture.PortChurn.checkStock(";

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void churnTowardsOneRemoteRisesAcrossReportsAndWarnsPastHalfTheRangeNamingTheStackThatOpensMost(Jdk jdk)
            throws Exception {
        assumeNamespace(jdk);
        // 30 ports (below half), then 60 (past it), then 80.
        try (ScenarioProcess app = churn(jdk, "30", "30", "20")) {
            app.awaitStep("burst0", STEP);
            // A scan that read the table just before the burst and the opens just after it has an
            // entry without rows: the one after it has them.
            Report below = app.awaitReport(r -> entry(r) != null && entry(r).path("timeWait").asInt() > 0, STEP);
            JsonNode first = entry(below);
            assertTrue(first.path("warning").isNull(), "under half the range, no warning: " + first);
            assertTrue(first.path("share").asDouble() < 0.5, first::toString);
            assertTrue(first.path("timeWait").asInt() > 0, first::toString);
            assertEquals(PrivateNetwork.RANGE, first.path("portRange").asInt(), first::toString);
            assertFalse(app.stderr().contains("WARNING port pressure"), app::describe);

            app.proceed();
            app.awaitStep("burst1", STEP);
            Report past = app.awaitReport(r -> entry(r) != null && !entry(r).path("warning").isNull(), STEP);
            JsonNode warned = entry(past);
            int portsInUse = warned.path("portsInUse").asInt();
            assertTrue(portsInUse >= PrivateNetwork.RANGE / 2, warned::toString);
            assertTrue(warned.path("share").asDouble() >= 0.5, warned::toString);
            assertTrue(warned.path("timeWait").asInt() > first.path("timeWait").asInt(), "rising: " + first + " then " + warned);
            assertTrue(warned.path("opensPerMinute").asDouble() > 0, warned::toString);
            assertHasFrame(warned.path("topStacks").get(0).path("stack"), CHURNING_FRAME);
            assertTrue(warned.path("topStacks").get(0).path("opensPerMinute").asDouble() > 0, warned::toString);
            String warning = warned.path("warning").asText();
            assertTrue(warning.startsWith(portsInUse + " of " + PrivateNetwork.RANGE + " ephemeral ports in use ("), warning);
            assertTrue(warning.contains(" opens a minute they run out in "), "how soon: " + warning);

            app.proceed();
            app.awaitStep("burst2", STEP);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report last = app.finalReport();
            JsonNode atExit = entry(last);
            assertNotNull(atExit, last.json()::toString);
            assertTrue(atExit.path("timeWait").asInt() > warned.path("timeWait").asInt(),
                    "rising: " + warned + " then " + atExit);
            assertEquals(app.intResult("churned2"), atExit.path("portsInUse").asInt(), "every churned port: " + atExit);
            assertEquals(0, atExit.path("established").asInt(), atExit::toString);
            assertFalse(atExit.path("warning").isNull(), atExit::toString);
            assertNothingElse(last);
            System.out.println("[it-tests] " + jdk + ": TIME_WAIT towards " + REMOTE + " across report rewrites: "
                    + first.path("timeWait") + " (no warning), " + warned.path("timeWait") + " (\"" + warning + "\"), "
                    + atExit.path("timeWait") + " at exit; burst steps after " + app.describe().lines()
                    .filter(l -> l.startsWith("RESULT waited")).toList() + "; a peer not finishing its close logged: "
                    + app.stderr().contains("does not finish closing"));

            // The log says it once, when it begins, naming how soon and the line that opens most; the summary again.
            String stderr = app.stderr();
            List<String> lines = lines(stderr, "[closewait] WARNING port pressure towards " + REMOTE + ": ");
            assertEquals(2, lines.size(), "once as news, once in the summary at exit" + app.describe());
            assertTrue(stderr.indexOf(lines.get(0)) < stderr.lastIndexOf("[closewait] summary: "), app::describe);
            for (String line : lines) {
                assertTrue(line.contains(" ephemeral ports in use (") && line.contains(" opens a minute they run out in "),
                        line);
                assertTrue(line.contains("; opened most at " + CHURNING_FRAME), line);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aJvmChurningFarBelowHalfTheRangeGetsNoWarning(Jdk jdk) throws Exception {
        assumeNamespace(jdk);
        try (ScenarioProcess app = churn(jdk, "10")) {
            app.awaitStep("burst0", STEP);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report last = app.finalReport();
            JsonNode entry = entry(last);
            assertNotNull(entry, last.json()::toString);
            assertEquals(10, entry.path("timeWait").asInt(), entry::toString);
            assertEquals(0.1, entry.path("share").asDouble(), 1e-9, entry::toString);
            assertTrue(entry.path("warning").isNull(), entry::toString);
            assertHasFrame(entry.path("topStacks").get(0).path("stack"), CHURNING_FRAME);
            assertNothingElse(last);
            String stderr = app.stderr();
            assertFalse(stderr.contains("WARNING port pressure"), app::describe);
            assertTrue(stderr.contains("[closewait] ports towards " + REMOTE + ": 10 in use (10 % of the ephemeral range)"),
                    "the summary still shows the ports held" + app.describe());
        }
    }

    /** The scenario in its private network, one burst of connections per argument. */
    private ScenarioProcess churn(Jdk jdk, String... bursts) throws Exception {
        List<String> command = new ArrayList<>(List.of(jdk.java().toString(),
                "-javaagent:" + ScenarioProcess.agentJar() + "=" + FAST + ",report=" + work.resolve("leaks.json"),
                "-Xmx256m", "-cp", System.getProperty("closewait.scenario.classpath", "target/test-classes"),
                PortChurn.class.getName()));
        command.addAll(List.of(bursts));
        return ScenarioProcess.start(PrivateNetwork.inside(command), work, work.resolve("leaks.json"));
    }

    /** Churn is no leak, and a prompt server is no peer that does not finish closing. */
    private static void assertNothingElse(Report report) {
        assertTrue(report.leaks().isEmpty(), report.json()::toString);
        assertEquals(1, report.json().path("portPressure").size(), report.json()::toString);
        assertEquals(0, report.json().path("peersNotClosing").size(), report.json()::toString);
    }

    /** The {@code portPressure} entry towards the stock server, or {@code null}. */
    private static JsonNode entry(Report report) {
        for (JsonNode entry : report.json().path("portPressure")) {
            if (entry.path("remote").asText().equals(REMOTE)) {
                return entry;
            }
        }
        return null;
    }

    private static List<String> lines(String text, String start) {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(start)) {
                found.add(line);
            }
        }
        return found;
    }

    private static void assumeNamespace(Jdk jdk) throws InterruptedException {
        assumePresent(jdk);
        String unavailable = PrivateNetwork.unavailable();
        assumeTrue(unavailable == null, unavailable);
    }
}
