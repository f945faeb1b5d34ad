package dev.closewait.junit;

import dev.closewait.agent.OpenSockets;
import dev.closewait.agent.detect.IgnoreRules;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extension in a JVM started with {@code -javaagent:closewait-agent.jar=log=off,ignore=...}
 * (agent/pom.xml, Failsafe execution junit-extension-with-agent), running sample tests through the
 * JUnit Platform test kit: a leak fails its test with its stack, a known leak passes, a socket a
 * known pool holds idle passes, and under parallel execution a socket is charged to the test that
 * opened it, or to none with a reason.
 */
class WithAgentIT {

    /** The ignore file named by the configuration parameter, as the build copied it to the test classes. */
    static final Path TEST_IGNORE = testIgnore();

    private static Path testIgnore() {
        try {
            return Paths.get(WithAgentIT.class.getResource("/junit/test-ignore.txt").toURI());
        } catch (java.net.URISyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Test
    void aTestThatLeavesASocketInCloseWaitFailsWithItsFrameInTheMessage() {
        EngineExecutionResults results = Samples.run(LeavesCloseWait.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = Samples.failure(results, "leak");
        assertEquals(AssertionError.class, failure.getClass(), String.valueOf(failure));
        String message = failure.getMessage();
        assertTrue(message.startsWith("leak() left 1 socket in CLOSE_WAIT"), message);
        assertTrue(message.contains("state CLOSE_WAIT"), message);
        assertTrue(message.contains("=> dev.closewait.junit.WithAgentIT$LeavesCloseWait.openAndForget("), message);
        assertTrue(message.contains("closewait.junit.settle"), message);
        assertFalse(message.contains("org.junit."), "the stack ends where the test framework begins: " + message);
    }

    @Test
    void aTestThatClosesWhatItOpensPasses() {
        Samples.run(ClosesWhatItOpens.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void strictModeFailsASocketLeftEstablished() {
        Samples.run(LeavesEstablished.class).testEvents().assertStatistics(stats -> stats.succeeded(1));
        EngineExecutionResults strict = Samples.run(LeavesEstablished.class, Map.of(CloseWaitExtension.STRICT, "true"));
        String message = Samples.failure(strict, "keepsItOpen").getMessage();
        assertTrue(message.contains("left 2 sockets open"), "the client and the accepted socket: " + message);
        assertTrue(message.contains("state ESTABLISHED"), message);
    }

    @Test
    void aLeakTheAgentsIgnoreFileNamesPassesAndItsRuleCountsAsMatchedInTheAgent() {
        IgnoreRules agentRules = KnownLeaks.agentRules();
        assertNotNull(agentRules.file(), "this JVM's agent runs with ignore=: " + agentRules);
        EngineExecutionResults results = Samples.run(KnownLeakClosedAfterAll.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        List<String> unmatched = agentRules.unmatched().stream().map(IgnoreRules.Rule::text).toList();
        assertEquals(List.of("remote:192.0.2.1:*"), unmatched,
                "the socket was closed after the test, so only the extension met it; the agent's rule is matched all the same");
    }

    @Test
    void aLeakTheConfigurationParametersIgnoreFileNamesPasses() {
        EngineExecutionResults results = Samples.run(KnownLeakByParameter.class,
                Map.of(CloseWaitExtension.IGNORE, TEST_IGNORE.toString()));
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        EngineExecutionResults without = Samples.run(KnownLeakByParameter.class);
        without.testEvents().assertStatistics(stats -> stats.failed(1));
    }

    @Test
    void aBadIgnoreFileFailsTheTestNamingTheParameterAndTheLine() throws Exception {
        Path bad = java.nio.file.Files.createTempFile("closewait-bad-ignore", ".txt");
        try {
            java.nio.file.Files.writeString(bad, "frame:ok.\nbogus\n");
            EngineExecutionResults results = Samples.run(ClosesWhatItOpens.class,
                    Map.of(CloseWaitExtension.IGNORE, bad.toString()));
            String message = Samples.failure(results, "closes").getMessage();
            assertTrue(message.contains("bad ignore file (closewait.junit.ignore)") && message.contains("line 2"), message);
        } finally {
            java.nio.file.Files.delete(bad);
        }
    }

    @Test
    void inParallelASocketIsChargedToTheTestWhoseThreadOpenedItNotToTheOneBesideIt() {
        EngineExecutionResults results = Samples.run(ParallelOwnThreads.class, Samples.parallel());
        results.testEvents().assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        String message = Samples.failure(results, "leaks").getMessage();
        assertTrue(message.startsWith("leaks() left 1 socket in CLOSE_WAIT"), message);
        assertNull(Samples.failure(results, "staysClean"), () -> Samples.describe(results));
    }

    @Test
    void inParallelASocketOpenedOnAThreadTheTestStartedIsChargedToItByItsStack() {
        EngineExecutionResults results = Samples.run(ParallelSpawnedThread.class, Samples.parallel());
        results.testEvents().assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        String message = Samples.failure(results, "leaksFromAThreadItStarts").getMessage();
        assertTrue(message.startsWith("leaksFromAThreadItStarts() left 1 socket in CLOSE_WAIT"), message);
        assertTrue(message.contains("lambda$leaksFromAThreadItStarts$"), message);
        assertNull(Samples.failure(results, "staysClean"), () -> Samples.describe(results));
    }

    @Test
    void inParallelASocketThatCouldBeEitherTestsIsChargedToNeitherAloneWithTheReason() {
        EngineExecutionResults results = Samples.run(ParallelAmbiguous.class, Samples.parallel());
        results.testEvents().assertStatistics(stats -> stats.started(2).failed(2));
        for (String test : List.of("leaksThroughAnExecutor", "staysClean")) {
            String message = Samples.failure(results, test).getMessage();
            assertTrue(message.startsWith(test + "(): closewait cannot tell which test left 1 socket in CLOSE_WAIT"),
                    message);
            assertTrue(message.contains("opened on thread \"closewait-sample-executor\""), message);
            assertTrue(message.contains("junit.jupiter.execution.parallel.enabled"), message);
            assertTrue(message.contains("@Isolated"), message);
            assertTrue(message.contains("dev.closewait.junit.Samples$Opener.run("), message);
        }
    }

    @Test
    void runOneAtATimeASocketFromAnyThreadIsTheRunningTests() {
        EngineExecutionResults results = Samples.run(OneAtATime.class);
        results.testEvents().assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        assertTrue(Samples.failure(results, "leaksThroughAnExecutor").getMessage()
                .startsWith("leaksThroughAnExecutor() left 1 socket in CLOSE_WAIT"));
    }

    @Test
    void aSocketInCloseWaitThatAPoolHoldsIdlePassesTheSameSocketStillLeasedByTheTestFails() {
        EngineExecutionResults results = Samples.run(PoolHeldConnections.class);
        results.testEvents().assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        assertNull(Samples.failure(results, "givesItsConnectionBackToThePool"), () -> Samples.describe(results));
        String message = Samples.failure(results, "keepsTheConnectionLeased").getMessage();
        assertTrue(message.startsWith("keepsTheConnectionLeased() left 1 socket in CLOSE_WAIT"), message);
        assertTrue(message.contains("=> dev.closewait.junit.WithAgentIT$PoolHeldConnections.keepsTheConnectionLeased("),
                message);
    }

    /**
     * Apache HttpClient 5's pool (PoolingHttpClientConnectionManager), against a server that closes each
     * keep-alive connection after its response: once the response is read, the connection sits idle in the
     * pool in CLOSE_WAIT, the pool's to close (it does, when it next leases or evicts it); while the response
     * is left unread, the connection is still the test's. Each test waits for CLOSE_WAIT before it ends.
     */
    @ExtendWith(CloseWaitExtension.class)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class PoolHeldConnections {
        static final List<AutoCloseable> OPEN = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Test
        void givesItsConnectionBackToThePool() throws Exception {
            long mark = OpenSockets.mark();
            CloseableHttpClient client = pooledClient();
            String body = client.execute(new HttpGet(Samples.keepAliveServerThatCloses()),
                    response -> EntityUtils.toString(response.getEntity()));
            assertEquals("ok", body);
            Samples.awaitCloseWaitAfter(mark);
        }

        @Test
        void keepsTheConnectionLeased() throws Exception {
            long mark = OpenSockets.mark();
            CloseableHttpClient client = pooledClient();
            ClassicHttpResponse unread = client.executeOpen(null, new HttpGet(Samples.keepAliveServerThatCloses()), null);
            OPEN.add(0, unread);
            assertEquals(200, unread.getCode());
            Samples.awaitCloseWaitAfter(mark);
        }

        /** A client kept past the test, as an application keeps its client: the pool outlives each request. */
        private static CloseableHttpClient pooledClient() {
            CloseableHttpClient client = HttpClients.custom()
                    .setConnectionManager(new PoolingHttpClientConnectionManager()).build();
            OPEN.add(client);
            return client;
        }

        @AfterAll
        static void closeThem() throws Exception {
            for (AutoCloseable open : OPEN) {
                open.close();
            }
            OPEN.clear();
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class LeavesCloseWait {
        @Test
        void leak() throws Exception {
            openAndForget();
        }

        static void openAndForget() throws Exception {
            Samples.leakInCloseWait();
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class ClosesWhatItOpens {
        @Test
        void closes() throws Exception {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Samples.closingServer())) {
                Samples.awaitPeerClose(socket);
            }
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class LeavesEstablished {
        @Test
        void keepsItOpen() throws Exception {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
            Socket accepted = server.accept();
            server.close();
            Samples.LEAKED.add(client);
            Samples.LEAKED.add(accepted);
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class KnownLeakClosedAfterAll {
        static Socket leaked;

        @Test
        void leaksAKnownLeak() throws Exception {
            leaked = Samples.leakInCloseWait();
        }

        @AfterAll
        static void closeIt() throws Exception {
            leaked.close();
            Samples.LEAKED.remove(leaked);
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class KnownLeakByParameter {
        @Test
        void leaksAKnownLeak() throws Exception {
            Samples.leakInCloseWait();
        }
    }

    /** Both tests run at once: the barrier lets neither go on before the other has started. */
    @ExtendWith(CloseWaitExtension.class)
    static class ParallelOwnThreads {
        static final CyclicBarrier BOTH_STARTED = new CyclicBarrier(2);
        static final CountDownLatch LEAKED = new CountDownLatch(1);

        @Test
        void leaks() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            Samples.leakInCloseWait();
            LEAKED.countDown();
        }

        @Test
        void staysClean() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            assertTrue(LEAKED.await(10, TimeUnit.SECONDS));
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class ParallelSpawnedThread {
        static final CyclicBarrier BOTH_STARTED = new CyclicBarrier(2);
        static final CountDownLatch LEAKED = new CountDownLatch(1);

        @Test
        void leaksFromAThreadItStarts() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            Thread thread = new Thread(() -> {
                try {
                    Samples.leakInCloseWait();
                } catch (Exception failed) {
                    throw new IllegalStateException(failed);
                }
            }, "spawned-by-the-test");
            thread.start();
            thread.join();
            LEAKED.countDown();
        }

        @Test
        void staysClean() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            assertTrue(LEAKED.await(10, TimeUnit.SECONDS));
        }
    }

    /** The socket is opened by code in no test class, on a pool thread, while both tests run. */
    @ExtendWith(CloseWaitExtension.class)
    static class ParallelAmbiguous {
        static final CyclicBarrier BOTH_STARTED = new CyclicBarrier(2);
        static final CountDownLatch LEAKED = new CountDownLatch(1);

        @Test
        void leaksThroughAnExecutor() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            EXECUTOR.submit(new Samples.Opener()).get(10, TimeUnit.SECONDS);
            LEAKED.countDown();
        }

        @Test
        void staysClean() throws Exception {
            BOTH_STARTED.await(10, TimeUnit.SECONDS);
            assertTrue(LEAKED.await(10, TimeUnit.SECONDS));
        }
    }

    /** The same two tests as {@link ParallelAmbiguous}, one after the other. */
    @ExtendWith(CloseWaitExtension.class)
    static class OneAtATime {
        @Test
        void leaksThroughAnExecutor() throws Exception {
            EXECUTOR.submit(new Samples.Opener()).get(10, TimeUnit.SECONDS);
        }

        @Test
        void staysClean() {
        }
    }

    static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "closewait-sample-executor");
        thread.setDaemon(true);
        return thread;
    });
}
