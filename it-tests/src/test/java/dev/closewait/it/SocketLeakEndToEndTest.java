package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.scenarios.AcceptedSocketLeak;
import dev.closewait.it.scenarios.ConcurrentChurn;
import dev.closewait.it.scenarios.GcReclaim;
import dev.closewait.it.scenarios.Ipv6Leak;
import dev.closewait.it.scenarios.LateClose;
import dev.closewait.it.scenarios.ManySocketsFewLeaks;
import dev.closewait.it.scenarios.NioChannelLeak;
import dev.closewait.it.scenarios.PlainSocketLeak;
import dev.closewait.it.scenarios.PoolThreadLeak;
import dev.closewait.it.scenarios.PromptCloseAfterEof;
import dev.closewait.it.scenarios.TlsLeak;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Socket leaks found end to end: each scenario runs in its own JVM with {@code -javaagent:} on the
 * built, shaded agent jar, on every {@link Jdk} (a missing JDK's leg is skipped with the reason).
 */
class SocketLeakEndToEndTest {

    /** Fast scans so each scenario takes seconds: a leak is reported one second after the peer's FIN. */
    static final String FAST = "interval=200ms,grace=1s";
    static final Duration REPORTED = Duration.ofSeconds(20);
    static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    static void assumePresent(Jdk jdk) {
        if (!jdk.present()) {
            System.out.println("[it-tests] SKIPPED: " + jdk.missingReason());
        }
        assumeTrue(jdk.present(), jdk.missingReason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsPlainSocketLeftInCloseWaitWithItsCreationStack(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int clientPort = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertEquals("CLOSE_WAIT", leak.path("state").asText());
            assertEquals("CONNECT", leak.path("origin").asText());
            assertEquals("127.0.0.1:" + clientPort, leak.path("local").asText());
            assertEquals("127.0.0.1:" + app.result("serverPort"), leak.path("remote").asText());
            assertEquals("main", leak.path("thread").asText());
            assertTrue(leak.path("closedAt").isNull());
            assertTrue(leak.path("jdbc").isNull());
            assertFalse(leak.path("openedAt").isNull());
            assertFalse(leak.path("closeWaitSince").isNull());
            List<String> stack = Report.stack(leak);
            assertTrue(stack.stream().anyMatch(f -> f.startsWith(
                    "dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection(PlainSocketLeak.java:")), stack::toString);
            assertTrue(stack.stream().noneMatch(f -> f.contains("dev.closewait.agent.") || f.contains("dev.closewait.shaded.")),
                    "agent frames are removed: " + stack);
            assertEquals(1, report.leaks().size(), report.json()::toString);

            // The text block on stderr, with the application frame marked.
            String stderr = app.stderr();
            assertTrue(stderr.contains("LEAK #" + leak.path("id").asLong() + ": peer closed the connection"), app::describe);
            assertTrue(stderr.contains("=> dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection("), app::describe);
            assertTrue(stderr.contains("opened by thread \"main\""), app::describe);

            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report last = app.finalReport();
            assertEquals("OPEN", last.leakWithLocalPort(clientPort).path("status").asText());
            assertTrue(app.stderr().contains("[closewait] summary: "), app::describe);
            assertTrue(app.stderr().contains("1 leak (1 OPEN)"), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsNothingForSocketClosedPromptlyAfterEofNorForIdleEstablishedSocket(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PromptCloseAfterEof.class, FAST, "2500")) {
            app.awaitStep("waited", REPORTED);
            assertEquals("3", app.result("read"));
            assertEquals("01", app.result("idleState"), "the idle connection is ESTABLISHED");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report report = app.finalReport();
            assertEquals(0, report.summary("leaks"), report.json()::toString);
            assertTrue(report.leaks().isEmpty());
            assertEquals(4, report.summary("tracked"), "two client sockets and two accepted ones");
            assertEquals(0, report.summary("open"), "every close was seen, including through the input stream");
            assertFalse(app.stderr().contains("LEAK #"), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsLeakedNioChannelsConnectedEveryWay(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, NioChannelLeak.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int blocking = app.intResult("blockingPort");
            int nonBlocking = app.intResult("nonBlockingPort");
            int adaptor = app.intResult("adaptorPort");
            Report report = app.awaitReport(r -> r.hasLeak(blocking, "OPEN") && r.hasLeak(nonBlocking, "OPEN")
                    && r.hasLeak(adaptor, "OPEN"), REPORTED);
            assertStackHas(report.leakWithLocalPort(blocking), "NioChannelLeak.openBlocking(");
            assertStackHas(report.leakWithLocalPort(nonBlocking), "NioChannelLeak.openNonBlocking(");
            assertStackHas(report.leakWithLocalPort(adaptor), "NioChannelLeak.openThroughAdaptor(");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report last = app.finalReport();
            assertEquals(3, last.leaks().size(), last.json()::toString);
            assertEquals(null, last.leakWithLocalPort(app.intResult("closedPort")),
                    "a channel closed through its socket adaptor is no leak");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsPlainSocketUnderLeakedTlsLayerButNotOneClosedThroughTheLayer(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path keystore = work.resolve("tls.p12");
        Process keytool = new ProcessBuilder(jdk.tool("keytool").toString(), "-genkeypair", "-alias", "standin",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        String keytoolOutput = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), keytoolOutput);

        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, TlsLeak.class, FAST, keystore.toString(), "changeit")) {
            app.awaitStep("leaked", REPORTED);
            int layered = app.intResult("layeredPort");
            int direct = app.intResult("directPort");
            assertEquals("true", app.result("closedPlainIsClosed"));
            Report report = app.awaitReport(r -> r.hasLeak(layered, "OPEN") && r.hasLeak(direct, "OPEN"), REPORTED);
            assertStackHas(report.leakWithLocalPort(layered), "TlsLeak.openPlain(");
            assertStackHas(report.leakWithLocalPort(direct), "TlsLeak.openDirectTls(");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            Report last = app.finalReport();
            assertEquals(2, last.leaks().size(), last.json()::toString);
            assertEquals(null, last.leakWithLocalPort(app.intResult("closedPort")));
            assertEquals(2, last.summary("open"),
                    "only the two leaked client sockets stay open: the server's TLS sockets were closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsAcceptedSocketsWhoseClientWentAway(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, AcceptedSocketLeak.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int clientPort = app.intResult("clientPort");
            int channelClientPort = app.intResult("channelClientPort");
            Report report = app.awaitReport(r -> r.leakWithRemotePort(clientPort) != null
                    && r.leakWithRemotePort(channelClientPort) != null, REPORTED);
            JsonNode socket = report.leakWithRemotePort(clientPort);
            assertEquals("ACCEPT", socket.path("origin").asText());
            assertEquals("127.0.0.1:" + app.result("serverPort"), socket.path("local").asText());
            assertStackHas(socket, "AcceptedSocketLeak.acceptOrder(");
            JsonNode channel = report.leakWithRemotePort(channelClientPort);
            assertEquals("ACCEPT", channel.path("origin").asText());
            assertEquals("127.0.0.1:" + app.result("channelServerPort"), channel.path("local").asText());
            assertStackHas(channel, "AcceptedSocketLeak.acceptOrderChannel(");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            assertEquals(2, app.finalReport().leaks().size(), app.finalReport().json()::toString);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsIpv6LoopbackLeakWithBracketedAddresses(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, Ipv6Leak.class, FAST)) {
            String ipv6 = waitForResultOrStep(app, "ipv6");
            assumeTrue(ipv6.equals("yes"), "no IPv6 loopback on this machine: " + ipv6);
            app.awaitStep("leaked", REPORTED);
            int clientPort = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertEquals("[::1]:" + clientPort, leak.path("local").asText());
            assertEquals("[::1]:" + app.result("serverPort"), leak.path("remote").asText());
            assertStackHas(leak, "Ipv6Leak.openOverIpv6(");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsTheNameOfThePoolThreadThatOpenedTheLeak(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PoolThreadLeak.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int clientPort = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertEquals("orders-pool-1", leak.path("thread").asText());
            assertStackHas(leak, "PoolThreadLeak.fetchOrders(");
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void reportsExactlyTheFewLeaksAmongHundredsOfOpenSockets(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, ManySocketsFewLeaks.class, FAST,
                "300", "7", "100")) {
            app.awaitStep("leaked", REPORTED);
            Set<Integer> leakedPorts = Arrays.stream(app.result("leakedPorts").split(","))
                    .map(Integer::valueOf).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(7, leakedPorts.size());
            Report report = app.awaitReport(r -> r.leaks().size() >= 7, REPORTED);
            // One more scan interval or two: nothing else may show up.
            Thread.sleep(1000);
            report = Report.read(work.resolve("leaks.json"));
            Set<Integer> reportedPorts = report.leaks().stream()
                    .map(l -> Integer.valueOf(l.path("local").asText().replaceAll(".*:", "")))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(leakedPorts, reportedPorts, report.json()::toString);
            assertEquals(800, report.summary("tracked"), "300 + 100 client sockets and as many accepted ones");
            assertEquals(600 - 7, report.summary("open"), "the 7 server-side closes and the 100 closed pairs were seen");
            String stderr = app.stderr();
            assertEquals(1, stderr.lines().filter(l -> l.equals("    opened at:")).count(),
                    "seven leaks from one line print their stack once: " + stderr);
            assertEquals(1, stderr.lines().filter(l -> l.startsWith("[closewait] 6 more leaks (#")
                    && l.contains(") with the creation stack of LEAK #")).count(), "the other six are counted on one line: " + stderr);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void marksLeakClosedLateWhenTheApplicationClosesItAfterGrace(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, LateClose.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int clientPort = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), REPORTED);
            app.proceed();
            app.awaitStep("closed", REPORTED);
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "CLOSED_LATE"), REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertFalse(leak.path("closedAt").isNull(), leak::toString);
            assertTrue(leak.path("closedAt").asText().compareTo(leak.path("closeWaitSince").asText()) > 0, leak::toString);
            assertEquals(1, report.leaks().size());
            assertTrue(app.stderr().contains("is now CLOSED_LATE"), app::describe);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            assertEquals("CLOSED_LATE", app.finalReport().leakWithLocalPort(clientPort).path("status").asText());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void marksUnreachableLeaksReclaimedByGcOrOrphanedWithoutKeepingThemAlive(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, GcReclaim.class, FAST)) {
            app.awaitStep("leaked", REPORTED);
            int socketPort = app.intResult("socketPort");
            int channelPort = app.intResult("channelPort");
            app.awaitReport(r -> r.hasLeak(socketPort, "OPEN") && r.hasLeak(channelPort, "OPEN"), REPORTED);
            app.proceed();
            app.awaitStep("collected", Duration.ofSeconds(40));
            assertEquals("true", app.result("socketCollected"), "the agent must not keep a leaked socket reachable");
            assertEquals("true", app.result("channelCollected"), "the agent must not keep a leaked channel reachable");
            assertEquals("08", app.result("channelKernelState"), "a channel has no cleaner: still in CLOSE_WAIT");
            assertFalse("08".equals(app.result("socketKernelState")), "the cleaner released the socket's descriptor");
            Report report = app.awaitReport(r -> r.hasLeak(socketPort, "RECLAIMED_BY_GC")
                    && r.hasLeak(channelPort, "ORPHANED"), REPORTED);
            assertTrue(report.leakWithLocalPort(socketPort).path("closedAt").isNull(), "never closed by the application");
            assertEquals(0, report.summary("open"));
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void seesEveryCloseOf32ThreadsChurningConnections(Jdk jdk) throws Exception {
        assumePresent(jdk);
        int threads = 32;
        int cycles = 2000;
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, ConcurrentChurn.class, FAST,
                Integer.toString(threads), Integer.toString(cycles))) {
            assertEquals(0, app.awaitExit(Duration.ofMinutes(3)), app::describe);
            assertEquals("null", app.result("failure"), app::describe);
            long accepted = Long.parseLong(app.result("accepted"));
            assertEquals((long) threads * cycles, accepted, "every connection was accepted");
            Report report = app.finalReport();
            assertEquals(2L * threads * cycles, report.summary("tracked"), report.json()::toString);
            assertEquals(0, report.summary("open"), "every close was seen");
            assertEquals(0, report.summary("leaks"), report.json()::toString);
            String stderr = app.stderr();
            assertFalse(stderr.contains("WARNING"), stderr);
            assertFalse(stderr.contains("Exception"), stderr);
            System.out.println("[it-tests] " + jdk + ": " + threads + " threads x " + cycles
                    + " connect/close cycles under the agent took " + app.result("millis") + " ms");
        }
    }

    private static void assertStackHas(JsonNode leak, String frame) {
        assertNotNull(leak);
        List<String> stack = Report.stack(leak);
        assertTrue(stack.stream().anyMatch(f -> f.contains("dev.closewait.it.scenarios." + frame)),
                () -> "expected a frame " + frame + " in " + stack);
    }

    private static String waitForResultOrStep(ScenarioProcess app, String key) throws Exception {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return app.result(key);
            } catch (AssertionError notYet) {
                Thread.sleep(50);
            }
        }
        return app.result(key);
    }

    static boolean exists(Path path) {
        return Files.exists(path);
    }
}
