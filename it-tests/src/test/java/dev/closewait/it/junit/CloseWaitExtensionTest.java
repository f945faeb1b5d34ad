package dev.closewait.it.junit;

import dev.closewait.junit.CloseWaitExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The JUnit extension, run through the JUnit Platform test kit in a JVM that has the agent the way
 * the README's Maven recipe puts it there. The samples below are not run on their own (Surefire
 * skips nested classes); they leak on purpose, and each test closes what they left once it has looked, long
 * before the agent's grace (10 s here), so the module's report holds no leak for closewait-check. (An
 * ignore rule would not do: the extension applies the agent's ignore file too.)
 */
class CloseWaitExtensionTest {

    /** Leaked sockets stay reachable: a collected one would be released, not left in CLOSE_WAIT. */
    static final List<Socket> LEAKED = new ArrayList<>();

    @AfterEach
    void closeWhatTheSamplesLeft() throws IOException {
        for (Socket socket : LEAKED) {
            socket.close();
        }
        LEAKED.clear();
    }

    @Test
    void testThatLeavesASocketInCloseWaitFailsWithTheFindingInTheMessage() {
        EngineExecutionResults results = run(LeavesCloseWait.class, false);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        String message = failureMessage(results);
        assertTrue(message.contains("leak() left 1 socket in CLOSE_WAIT"), message);
        assertTrue(message.contains("state CLOSE_WAIT"), message);
        assertTrue(message.contains("=> dev.closewait.it.junit.CloseWaitExtensionTest$LeavesCloseWait.openAndForget("),
                "the test's own frame is in the message: " + message);
        assertTrue(message.contains("closewait.junit.settle"), message);
        assertTrue(!message.contains("org.junit."), "the stack ends where the test framework begins: " + message);
    }

    @Test
    void testThatClosesWhatItOpensPasses() {
        EngineExecutionResults results = run(ClosesWhatItOpens.class, false);
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1).failed(0));
    }

    @Test
    void testLeavingAnEstablishedSocketOpenPassesButFailsInStrictMode() {
        run(LeavesEstablished.class, false).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
        EngineExecutionResults strict = run(LeavesEstablished.class, true);
        strict.testEvents().assertStatistics(stats -> stats.failed(1));
        String message = failureMessage(strict);
        assertTrue(message.contains("left 2 sockets open"), "the client and the accepted socket: " + message);
        assertTrue(message.contains("state ESTABLISHED"), message);
    }

    @Test
    void socketClosedWithinTheSettleTimeIsNoLeak() {
        EngineExecutionResults results = run(ClosesShortlyAfter.class, false);
        results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    }

    private static EngineExecutionResults run(Class<?> sample, boolean strict) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(sample))
                .configurationParameter(CloseWaitExtension.SETTLE, "500ms")
                .configurationParameter(CloseWaitExtension.STRICT, Boolean.toString(strict))
                .execute();
    }

    private static String failureMessage(EngineExecutionResults results) {
        Event failed = results.testEvents().failed().stream().findFirst().orElseThrow();
        Throwable failure = failed.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertEquals(AssertionError.class, failure.getClass(), String.valueOf(failure));
        return failure.getMessage();
    }

    /** A server that closes every connection it accepts: its clients' sockets go to CLOSE_WAIT. */
    static int closingServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(() -> {
            try (server) {
                while (true) {
                    server.accept().close();
                }
            } catch (IOException closed) {
                // test over
            }
        }, "closing-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    @ExtendWith(CloseWaitExtension.class)
    static class LeavesCloseWait {
        @Test
        void leak() throws Exception {
            Socket socket = openAndForget(closingServer());
            while (socket.getInputStream().available() == 0 && !peerClosed(socket)) {
                Thread.sleep(10);
            }
        }

        static Socket openAndForget(int port) throws IOException {
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port);
            LEAKED.add(socket);
            return socket;
        }

        private static boolean peerClosed(Socket socket) throws IOException {
            socket.setSoTimeout(50);
            try {
                return socket.getInputStream().read() < 0;
            } catch (java.net.SocketTimeoutException notYet) {
                return false;
            }
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class ClosesWhatItOpens {
        @Test
        void closes() throws Exception {
            try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), closingServer())) {
                assertEquals(-1, socket.getInputStream().read(), "the server closed");
            }
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class LeavesEstablished {
        @Test
        void keepsItOpen() throws Exception {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
            Socket accepted = server.accept();
            server.close();
            LEAKED.add(client);
            LEAKED.add(accepted);
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class ClosesShortlyAfter {
        @Test
        void closesOnAnotherThreadSoon() throws Exception {
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), closingServer());
            assertEquals(-1, socket.getInputStream().read());
            Thread closer = new Thread(() -> {
                try {
                    Thread.sleep(200);
                    socket.close();
                } catch (Exception ignored) {
                    // the test would then fail, as it should
                }
            });
            closer.start();
        }
    }
}
