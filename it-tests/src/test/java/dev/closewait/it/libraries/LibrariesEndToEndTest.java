package dev.closewait.it.libraries;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.demo.run.KernelSockets;
import dev.closewait.it.EndToEnd;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real libraries from Maven Central under the agent, against the real servers of the machine
 * (PostgreSQL, MariaDB, Redis, RabbitMQ) and servers the scenario JVM starts itself: one scenario
 * JVM per group and JDK (controls, pool-held connections, the application's leaks). Every check of
 * a report also checks it against the kernel: the report's CLOSE_WAIT findings are as many as the
 * process's sockets that {@code /proc/<pid>/net/tcp{,6}} shows in CLOSE_WAIT.
 */
class LibrariesEndToEndTest {

    static final String FAST = EndToEnd.FAST;
    static final Duration REPORTED = EndToEnd.REPORTED;
    static final Duration EXIT = EndToEnd.EXIT;
    static final String POSTGRES = "127.0.0.1:5432";
    static final String MARIADB = "127.0.0.1:3306";
    static final String REDIS = "127.0.0.1:6379";
    static final String RABBITMQ = "127.0.0.1:5672";
    static final String SCENARIO = "dev.closewait.it.libraries.";

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void correctUseOfEachLibraryGivesNoFinding(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, LibraryControls.class, FAST + ",failOnLeak",
                POSTGRES, MARIADB, REDIS, RABBITMQ)) {
            app.awaitStep("done", Duration.ofSeconds(120));
            List<String> failed = new ArrayList<>();
            for (String control : List.of("httpClient5", "okHttp", "jdkHttpClient", "urlConnection", "jetty", "nettyNio",
                    "jedis", "lettuce", "hikariPostgres", "mariadb", "rabbitmq")) {
                String result = app.result("control." + control);
                System.out.println("[it-tests] " + jdk + " control " + control + ": " + result);
                if (!result.equals("ok") && !result.startsWith("skipped")) {
                    failed.add(control + ": " + result);
                }
            }
            assertTrue(failed.isEmpty(), () -> "controls failed: " + failed + app.describe());
            Thread.sleep(1_300); // past grace (1 s) and one more scan: a socket left in CLOSE_WAIT would be reported by now
            Report report = awaitMatchesKernel(app, 0);
            assertEquals(0, report.summary("leaks"), report.json()::toString);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), "failOnLeak: no finding" + app.describe());
            Report last = app.finalReport();
            assertEquals(0, last.summary("leaks"), last.json()::toString);
            assertTrue(last.summary("tracked") >= 20, "every library's sockets were tracked: " + last.json());
            assertFalse(app.stderr().contains("LEAK #"), app::describe);
            assertFalse(app.stderr().contains("could not be instrumented"), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void connectionsIdleInTheirPoolsAreHeldByThePoolAndDoNotFailTheRun(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeReachable(POSTGRES, "PostgreSQL");
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PoolHeldConnections.class, FAST + ",failOnLeak",
                POSTGRES)) {
            app.awaitStep("held", REPORTED);
            assertEquals("2", app.result("terminated"), app::describe);
            Report report = awaitMatchesKernel(app, 5);
            assertEquals(5, report.summary("heldByPools"), report.json()::toString);
            List<JsonNode> hikari = heldBy(report, "HikariCP");
            assertEquals(2, hikari.size(), report.json()::toString);
            for (JsonNode leak : hikari) {
                assertEquals("orders-db", leak.path("heldBy").path("name").asText(), leak::toString);
                assertEquals("127.0.0.1:5432", leak.path("remote").asText());
                assertAdvice(leak, "keepaliveTime");
            }
            assertAdvice(single(heldBy(report, "HttpClient 5"), report), "evictIdleConnections");
            assertAdvice(single(heldBy(report, "OkHttp"), report), "keepAliveDuration");
            assertAdvice(single(heldBy(report, "JDK keep-alive cache"), report), "http.keepAlive.time.server");
            for (JsonNode leak : report.leaks()) {
                assertEquals("pool", leak.path("heldBy").path("kind").asText(), leak::toString);
                assertTrue(leak.path("heldBy").path("idle").asBoolean(), leak::toString);
                assertTrue(leak.path("borrowedBy").isNull(), leak::toString);
            }
            app.proceed();
            app.awaitStep("pools-closed", REPORTED);
            // Closed by their pools after grace in CLOSE_WAIT: CLOSED_LATE, and still the pools' findings.
            Report closedByPools = app.awaitReport(r -> r.leaks().stream()
                    .filter(l -> "CLOSED_LATE".equals(l.path("status").asText())).count() == 4, REPORTED);
            for (JsonNode leak : closedByPools.leaks()) {
                if ("CLOSED_LATE".equals(leak.path("status").asText())) {
                    assertTrue(List.of("HikariCP", "HttpClient 5", "OkHttp").contains(
                            leak.path("heldBy").path("library").asText()), leak::toString);
                    assertTrue(leak.path("diagnosis").path("advice").isTextual(), leak::toString);
                }
            }
            assertEquals(5, closedByPools.summary("heldByPools"), closedByPools.json()::toString);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), "pool-held findings do not fail the run, closed late by their pools"
                    + " either" + app.describe());
            assertTrue(app.stderr().contains("the pool holds it, not the application"), app::describe);
            assertEquals("false", app.result("jdkFieldOpenToTheApplication"),
                    "the agent read the JDK's field without opening its package to the application");
            assertEquals("false", app.result("descriptorFieldsOpenToTheApplication"),
                    "the agent read the sockets' descriptors without opening their packages to the application");
            assertFalse(app.stderr().contains("peer-close watch stopped"), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void leaksThroughLibrariesNameTheApplicationFrame(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeReachable(POSTGRES, "PostgreSQL");
        assumeReachable(REDIS, "Redis");
        try (ServerSocket parentPeer = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
             ScenarioProcess app = startWithInheritedSocket(jdk, parentPeer.getLocalPort(), LibraryLeaks.class,
                     POSTGRES, REDIS)) {
            // The parent's connection, inherited as descriptor 3: this side closes it, the scenario never will.
            parentPeer.setSoTimeout(30_000);
            try (Socket accepted = parentPeer.accept()) {
                accepted.shutdownOutput();
            }
            app.awaitStep("leaked", REPORTED);
            assertEquals("1", app.result("terminated"), app::describe);
            List<String> missing = new ArrayList<>();
            int expected = 6; // NIO, OkHttp, HttpClient 5, HikariCP, Jedis, inherited; epoll, io_uring where they run
            for (String transport : List.of("epollPort", "ioUringPort")) {
                if (app.result(transport).startsWith("unavailable")) {
                    System.out.println("[it-tests] " + jdk + " SKIPPED Netty " + transport + ": " + app.result(transport));
                    missing.add(transport);
                } else {
                    expected++;
                }
            }
            Report report = awaitMatchesKernel(app, expected);
            String stderr = app.stderr();

            for (String transport : List.of("epollPort", "ioUringPort", "nioPort")) {
                if (missing.contains(transport)) {
                    continue;
                }
                JsonNode leak = report.leakWithLocalPort(app.intResult(transport));
                assertNotNull(leak, () -> transport + " not found: " + report.json());
                String method = transport.equals("epollPort") ? "subscribeOverEpoll"
                        : transport.equals("ioUringPort") ? "subscribeOverIoUring" : "subscribeOverNio";
                // NIO connects on the event loop (requestedBy names the caller), epoll and io_uring make
                // the socket in Bootstrap.connect on the caller's thread (the stack does).
                List<String> asked = new ArrayList<>(Report.stack(leak));
                asked.addAll(frames(leak, "requestedBy"));
                assertTrue(asked.stream().anyMatch(f -> f.startsWith(SCENARIO + "LibraryLeaks." + method + "(")),
                        () -> transport + ": neither the stack nor requestedBy names the caller: " + leak);
                if (transport.equals("nioPort")) {
                    assertTrue(frames(leak, "requestedBy").stream().anyMatch(f -> f.startsWith(SCENARIO + "LibraryLeaks." + method + "(")),
                            () -> "requestedBy " + leak);
                }
                assertTrue(leak.path("diagnosis").path("advice").asText().contains("ALLOW_HALF_CLOSURE"), leak::toString);
            }
            JsonNode okHttp = leakTo(report, app.intResult("httpPort"), "okhttp3.");
            assertTrue(frames(okHttp, "requestedBy").stream().anyMatch(f -> f.startsWith(SCENARIO + "LibraryLeaks.fetchPricesWithOkHttp(")),
                    okHttp::toString);
            assertTrue(okHttp.path("heldBy").isNull(), okHttp::toString);
            assertTrue(okHttp.path("diagnosis").path("advice").asText().contains("Response"), okHttp::toString);
            JsonNode httpClient5 = leakTo(report, app.intResult("httpPort"), "org.apache.hc.");
            assertTrue(Report.stack(httpClient5).stream().anyMatch(f -> f.startsWith(SCENARIO + "LibraryLeaks.fetchStockWithHttpClient5(")),
                    httpClient5::toString);
            assertTrue(httpClient5.path("heldBy").isNull(), httpClient5::toString);
            assertTrue(httpClient5.path("diagnosis").path("advice").asText().contains("CloseableHttpResponse"), httpClient5::toString);

            JsonNode borrowed = report.leaks().stream().filter(l -> l.path("remote").asText().equals(POSTGRES))
                    .findFirst().orElseThrow(() -> new AssertionError("no HikariCP leak: " + report.json()));
            assertTrue(frames(borrowed, "borrowedBy").stream().anyMatch(f -> f.startsWith(SCENARIO + "LibraryLeaks.beginExport(")),
                    borrowed::toString);
            assertTrue(borrowed.path("heldBy").isNull(), borrowed::toString);
            assertTrue(borrowed.path("diagnosis").path("cause").asText().contains("never returned"), borrowed::toString);

            JsonNode jedis = report.leakWithLocalPort(app.intResult("jedisPort"));
            assertNotNull(jedis, report.json()::toString);
            assertTrue(Report.stack(jedis).stream().anyMatch(f -> f.startsWith("org.junit.")), jedis::toString);

            JsonNode inherited = report.leaks().stream().filter(l -> l.path("origin").asText().equals("UNTRACKED"))
                    .findFirst().orElseThrow(() -> new AssertionError("no UNTRACKED finding: " + report.json()));
            assertEquals("127.0.0.1:" + parentPeer.getLocalPort(), inherited.path("remote").asText(), inherited::toString);
            assertTrue(Report.stack(inherited).isEmpty(), inherited::toString);

            // Library frames are never marked as the application's; the application's are.
            for (String line : stderr.split("\n")) {
                if (line.startsWith("    => ")) {
                    assertTrue(line.startsWith("    => " + SCENARIO) || line.startsWith("    => dev.closewait.it.scenarios."),
                            () -> "a library frame marked as the application's: " + line + app.describe());
                }
            }
            for (String library : List.of("       redis.clients.jedis.Jedis.ping(", "       org.junit.platform.commons.util.ReflectionUtils.invokeMethod(",
                    "       okhttp3.internal.connection.RealCall.execute(", "       org.apache.hc.client5.http.impl.classic.CloseableHttpClient.execute(")) {
                assertTrue(stderr.contains(library), () -> "shown, unmarked: " + library + app.describe());
            }
            assertTrue(stderr.contains("    => " + SCENARIO + "LibraryLeaks.cacheClient("), app::describe);
            assertTrue(stderr.contains("    => " + SCENARIO + "LibraryLeaks.fetchStockWithHttpClient5("), app::describe);
            assertTrue(stderr.contains("    => " + SCENARIO + "LibraryLeaks.fetchPricesWithOkHttp("), app::describe);

            app.proceed();
            app.awaitStep("closed", REPORTED);
            int nioPort = app.intResult("nioPort");
            int jedisPort = app.intResult("jedisPort");
            Report late = app.awaitReport(r -> r.hasLeak(nioPort, "CLOSED_LATE") && r.hasLeak(jedisPort, "CLOSED_LATE"),
                    REPORTED);
            assertEquals(expected - 2, kernelCloseWait(app), "two sockets were closed at last");
            assertEquals(expected - 2, openInCloseWait(late), late.json()::toString);
            // A report written between a close and the next scan already shows it CLOSED_LATE (its view
            // reads the close); the log says so at that next scan: on a busy machine, a moment later.
            List<String> closedLate = new ArrayList<>();
            long deadline = System.nanoTime() + REPORTED.toNanos();
            do {
                closedLate.clear();
                for (String line : app.stderr().split("\n")) {
                    if (line.contains("is now CLOSED_LATE")) {
                        closedLate.add(line);
                    }
                }
                if (closedLate.size() < 2) {
                    Thread.sleep(50);
                }
            } while (closedLate.size() < 2 && System.nanoTime() < deadline);
            for (String line : closedLate) {
                assertFalse(line.contains("still open"), line);
                assertTrue(line.contains(" closed the socket only after "), line);
            }
            assertEquals(2, closedLate.size(), app::describe);
            assertTrue(closedLate.stream().anyMatch(l -> l.contains("the application at " + SCENARIO + "LibraryLeaks.closeLate(")),
                    closedLate::toString);

            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            // The summary's line per finding names the application's frame (a borrow's: the borrower's; Netty's
            // channels: the scenario's connect helper, the first application frame).
            String summary = app.stderr();
            for (String method : List.of("fetchStockWithHttpClient5", "fetchPricesWithOkHttp", "cacheClient", "beginExport",
                    "connect")) {
                assertTrue(summary.lines().anyMatch(l -> l.startsWith("[closewait]   #") && l.contains(SCENARIO + "LibraryLeaks." + method + "(")),
                        () -> "no summary line names " + method + app.describe());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void netty41ClientsThatIgnoreThePeersFinAreFoundOnEveryTransport(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path netty41 = Path.of(System.getProperty("closewait.netty41.dir", "target/netty41"));
        assumeTrue(java.nio.file.Files.isDirectory(netty41), "no Netty 4.1 jars at " + netty41);
        StringBuilder classpath = new StringBuilder(System.getProperty("closewait.scenario.classpath", "target/test-classes")
                .split(java.io.File.pathSeparator)[0]); // the test classes, none of the 4.2 jars
        try (java.util.stream.Stream<Path> jars = java.nio.file.Files.list(netty41)) {
            jars.sorted().forEach(jar -> classpath.append(java.io.File.pathSeparator).append(jar));
        }
        Path report = work.resolve("leaks.json");
        try (ScenarioProcess app = ScenarioProcess.start(List.of(jdk.java().toString(),
                "-javaagent:" + ScenarioProcess.agentJar() + "=" + FAST + ",report=" + report, "-Xmx128m",
                "-cp", classpath.toString(), Netty41Leaks.class.getName()), work, report)) {
            app.awaitStep("leaked", REPORTED);
            assertTrue(app.result("netty").startsWith("4.1."), app::describe);
            int expected = 0;
            for (String transport : List.of("epollPort", "ioUringPort", "nioPort")) {
                if (app.result(transport).startsWith("unavailable")) {
                    System.out.println("[it-tests] " + jdk + " SKIPPED Netty 4.1 " + transport + ": " + app.result(transport));
                    continue;
                }
                expected++;
            }
            Report report41 = awaitMatchesKernel(app, expected);
            for (String transport : List.of("epollPort", "ioUringPort", "nioPort")) {
                if (app.result(transport).startsWith("unavailable")) {
                    continue;
                }
                JsonNode leak = report41.leakWithLocalPort(app.intResult(transport));
                assertNotNull(leak, () -> transport + " not found: " + report41.json());
                List<String> asked = new ArrayList<>(Report.stack(leak));
                asked.addAll(frames(leak, "requestedBy"));
                String method = "Netty41Leaks.subscribeOver" + (transport.equals("epollPort") ? "Epoll"
                        : transport.equals("ioUringPort") ? "IoUring" : "Nio") + "(";
                assertTrue(asked.stream().anyMatch(f -> f.startsWith(SCENARIO + method)), () -> transport + ": " + leak);
                assertTrue(leak.path("diagnosis").path("advice").asText().contains("ALLOW_HALF_CLOSURE"), leak::toString);
            }
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
    }

    /** The scenario JVM started by a shell that first connects descriptor 3 to {@code port}: inherited, never seen opened. */
    private ScenarioProcess startWithInheritedSocket(Jdk jdk, int port, Class<?> scenario, String... args) throws Exception {
        Path report = work.resolve("leaks.json");
        List<String> command = new ArrayList<>(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + " && exec \"$@\"",
                "bash", jdk.java().toString(), "-javaagent:" + ScenarioProcess.agentJar() + "=" + FAST + ",report=" + report,
                "-Xmx256m", "-cp", System.getProperty("closewait.scenario.classpath", "target/test-classes"), scenario.getName()));
        command.addAll(List.of(args));
        return ScenarioProcess.start(command, work, report);
    }

    /**
     * Waits until the report's findings in CLOSE_WAIT, still open, are {@code expected}, and as many as
     * the kernel shows for the process; returns that report.
     */
    private static Report awaitMatchesKernel(ScenarioProcess app, int expected) throws Exception {
        assumeTrue(KernelSockets.available(), "no /proc/net/tcp here");
        Report report = app.awaitReport(r -> openInCloseWait(r) == expected, REPORTED);
        assertEquals(expected, kernelCloseWait(app), () -> "the kernel's CLOSE_WAIT sockets of the process: "
                + report.json() + app.describe());
        return report;
    }

    private static int kernelCloseWait(ScenarioProcess app) throws Exception {
        Map<String, Integer> byRemote = KernelSockets.closeWaitByRemote(Long.parseLong(app.result("pid")));
        return byRemote.values().stream().mapToInt(Integer::intValue).sum();
    }

    static int openInCloseWait(Report report) {
        return (int) report.leaks().stream().filter(l -> l.path("status").asText().equals("OPEN")
                && l.path("state").asText().equals("CLOSE_WAIT")).count();
    }

    private static List<JsonNode> heldBy(Report report, String library) {
        return report.leaks().stream().filter(l -> library.equals(l.path("heldBy").path("library").asText())).toList();
    }

    private static JsonNode single(List<JsonNode> leaks, Report report) {
        assertEquals(1, leaks.size(), report.json()::toString);
        return leaks.get(0);
    }

    private static void assertAdvice(JsonNode leak, String setting) {
        assertTrue(leak.path("diagnosis").path("advice").asText().contains(setting), () -> setting + ": " + leak);
    }

    /** The leak to {@code port} whose creation stack or {@code requestedBy} passes {@code library}'s classes. */
    private static JsonNode leakTo(Report report, int port, String library) {
        return report.leaks().stream().filter(l -> l.path("remote").asText().endsWith(":" + port))
                .filter(l -> Report.stack(l).stream().anyMatch(f -> f.contains(library))
                        || frames(l, "requestedBy").stream().anyMatch(f -> f.contains(library)))
                .findFirst().orElseThrow(() -> new AssertionError("no leak through " + library + ": " + report.json()));
    }

    private static List<String> frames(JsonNode leak, String field) {
        List<String> frames = new ArrayList<>();
        leak.path(field).forEach(f -> frames.add(f.asText()));
        return frames;
    }

    static void assumePresent(Jdk jdk) {
        EndToEnd.assumePresent(jdk);
    }

    static void assumeReachable(String hostPort, String what) {
        String[] hp = hostPort.split(":");
        try (Socket probe = new Socket()) {
            probe.connect(new java.net.InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 1000);
        } catch (java.io.IOException unreachable) {
            String reason = what + " is not reachable at " + hostPort + ": this test is skipped";
            assumeTrue(false, reason);
        }
    }
}
