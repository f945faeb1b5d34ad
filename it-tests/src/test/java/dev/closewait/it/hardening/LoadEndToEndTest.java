package dev.closewait.it.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import dev.closewait.it.hardening.scenarios.ConnectCloseRace;
import dev.closewait.it.hardening.scenarios.LeakStorm;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.closewait.it.hardening.Hostile.EXIT;
import static dev.closewait.it.hardening.Hostile.FAST;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load the agent must take without false findings or unbounded output: a connect and close race
 * of thousands of sockets, and a leak storm past {@code maxFindings}.
 */
class LoadEndToEndTest {

    static final int THREADS = 4;
    static final int EACH = 1000;
    static final int STORM = 1200;
    static final int PER_SECOND = 300;

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aConnectCloseRaceOfThousandsOfSocketsGivesNoFinding(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, ConnectCloseRace.class, FAST + ",failOnLeak",
                Integer.toString(THREADS), Integer.toString(EACH))) {
            app.awaitStep("raced", Duration.ofSeconds(120));
            Thread.sleep(1500); // past grace: a socket the agent thought open would be a leak by now
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), "failOnLeak" + app.describe());
            Report last = app.finalReport();
            System.out.println("[it-tests] " + jdk + ": " + app.result("connected") + " connects and closes in "
                    + app.result("millis") + " ms, " + last.summary("tracked") + " sockets tracked, "
                    + last.summary("leaks") + " findings");
            assertEquals(THREADS * EACH, app.intResult("connected"));
            assertEquals(0, last.summary("leaks"), last.json()::toString);
            assertEquals(0, last.summary("dropped"), last.json()::toString);
            assertEquals(0, last.summary("open"), "every close was seen");
            assertTrue(last.summary("tracked") >= 2L * THREADS * EACH, "clients and accepted sockets: " + last.summary("tracked"));
            assertTrue(!app.stderr().contains("LEAK #"), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aLeakStormIsCappedCountedAndKeepsEveryOutputSmallAndFast(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path reportFile = work.resolve("leaks.json");
        List<Long> rewrites = Collections.synchronizedList(new ArrayList<>()); // System.nanoTime() of each new mtime
        Thread watcher = new Thread(() -> {
            long last = -1;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    long mtime = Files.exists(reportFile) ? Files.getLastModifiedTime(reportFile).toMillis() * 1000
                            + Files.getLastModifiedTime(reportFile).toInstant().getNano() / 1000 % 1000 : -1;
                    if (mtime != last && mtime != -1) {
                        rewrites.add(System.nanoTime());
                        last = mtime;
                    }
                    Thread.sleep(5);
                } catch (InterruptedException stop) {
                    return;
                } catch (Exception replacedMeanwhile) {
                    // the file was renamed over between the two calls: look again
                }
            }
        }, "report-watcher");
        watcher.setDaemon(true);
        watcher.start();
        long started = System.nanoTime();
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, LeakStorm.class, "interval=1s,grace=1s",
                Integer.toString(STORM), Integer.toString(PER_SECOND))) {
            app.awaitStep("stormed", Duration.ofSeconds(120));
            Report report = app.awaitReport(r -> r.summary("leaks") + r.summary("dropped") >= STORM, Duration.ofSeconds(60));
            long seenAll = System.nanoTime();
            app.proceed();
            app.awaitStep("measured", EXIT);
            int beforeExit = rewrites.size();
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Thread.sleep(100);
            watcher.interrupt();
            watcher.join();
            long storm = seenAll - started;

            Report last = app.finalReport();
            long size = Files.size(reportFile);
            String stderr = app.stderr();
            long blocks = stderr.lines().filter(l -> l.equals("    opened at:")).count();
            long stderrBytes = stderr.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            long beforeSummary = stderr.indexOf("[closewait] summary:") < 0 ? stderrBytes
                    : stderr.substring(0, stderr.indexOf("[closewait] summary:")).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            double slowest = Double.parseDouble(app.result("slowestMBeanReadMillis"));
            long minGap = Long.MAX_VALUE;
            for (int i = 1; i < beforeExit; i++) {
                minGap = Math.min(minGap, rewrites.get(i) - rewrites.get(i - 1));
            }
            System.out.println("[it-tests] " + jdk + " leak storm: " + STORM + " leaks at " + PER_SECOND + "/s in "
                    + app.result("stormMillis") + " ms (all found " + storm / 1_000_000 + " ms after start); report "
                    + size + " bytes, " + last.leaks().size() + " listed, summary.dropped " + last.summary("dropped")
                    + " in " + last.json().path("droppedFindings").size() + " groups; report rewrites " + beforeExit
                    + " while running (closest two " + (minGap == Long.MAX_VALUE ? "-" : minGap / 1_000_000 + " ms")
                    + " apart) + " + (rewrites.size() - beforeExit) + " at exit; stderr " + stderrBytes + " bytes ("
                    + beforeSummary + " before the exit summary), " + blocks + " stack blocks; MBean attribute reads "
                    + app.result("mbeanReads") + ", slowest " + slowest + " ms: " + app.result("slowestMBeanRead"));

            assertEquals(1000, last.leaks().size(), "maxFindings' default");
            assertEquals(STORM - 1000, last.summary("dropped"));
            long counted = 0;
            for (JsonNode group : last.json().path("droppedFindings")) {
                counted += group.path("count").asLong();
                assertTrue(group.path("stack").size() > 0 && group.path("remote").asText().startsWith("127.0.0.1:"), group::toString);
            }
            assertEquals(STORM - 1000, counted, "every dropped finding counted in a group of stack and remote");
            assertTrue(last.json().path("droppedFindings").size() <= 3, "three lines of code, one remote");
            assertEquals(3, blocks, "one block per distinct stack:\n" + stderr.substring(0, Math.min(stderr.length(), 5000)));
            assertTrue(beforeSummary < 64 * 1024, "the findings' lines stay small: " + beforeSummary);
            assertTrue(stderrBytes < 256 * 1024, "stderr with the exit summary: " + stderrBytes);
            assertTrue(minGap >= 500_000_000L, "at most one rewrite per interval (1 s): closest " + minGap / 1_000_000 + " ms");
            assertTrue(beforeExit <= storm / 1_000_000_000L + 3, "rewrites " + beforeExit + " in " + storm / 1_000_000 + " ms");
            assertEquals(1, rewrites.size() - beforeExit, "one report write at exit");
            assertTrue(slowest < 500, "MBean attributes answer fast: slowest read " + slowest + " ms");
        }
    }
}
