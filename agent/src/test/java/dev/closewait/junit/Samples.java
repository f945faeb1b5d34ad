package dev.closewait.junit;

import dev.closewait.agent.OpenSockets;
import dev.closewait.agent.tcp.TcpState;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * What the extension's tests share: real sockets left in CLOSE_WAIT (a loopback server closes each
 * connection it accepts), and runs of sample test classes through the JUnit Platform test kit.
 */
final class Samples {

    /** Leaked sockets stay reachable: a collected one would be released, not left in CLOSE_WAIT. */
    static final List<Socket> LEAKED = new CopyOnWriteArrayList<>();

    private Samples() {
    }

    /** A server that closes every connection it accepts: its clients' sockets go to CLOSE_WAIT. */
    static int closingServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try (server) {
                while (true) {
                    server.accept().close();
                }
            } catch (IOException closed) {
                // the JVM ends
            }
        }, "closing-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    private static final byte[] KEEP_ALIVE_RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok")
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * An HTTP/1.1 server that answers each request with a keep-alive response ({@code Keep-Alive:
     * timeout=60}, so the client keeps the connection for reuse) and then closes the connection, as a
     * server whose keep-alive timeout is shorter than its client's: the client's socket goes to CLOSE_WAIT
     * wherever the client keeps it, idle in its pool or still in the application's hands. Its URL.
     */
    static String keepAliveServerThatCloses() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try (server) {
                while (true) {
                    try (Socket connection = server.accept()) {
                        readRequestHead(connection.getInputStream());
                        connection.getOutputStream().write(KEEP_ALIVE_RESPONSE);
                    }
                }
            } catch (IOException closed) {
                // the JVM ends
            }
        }, "keep-alive-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return "http://127.0.0.1:" + server.getLocalPort() + "/stock";
    }

    /** Reads up to the blank line that ends a request's head (a GET has no body). */
    private static void readRequestHead(InputStream in) throws IOException {
        byte[] end = {'\r', '\n', '\r', '\n'};
        int matched = 0;
        for (int b; matched < end.length && (b = in.read()) >= 0; ) {
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /**
     * Waits until the agent sees a socket opened after {@code mark} in CLOSE_WAIT (the test must not
     * end before, or the extension would judge a socket still established): whoever holds it.
     */
    static void awaitCloseWaitAfter(long mark) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (OpenSockets.openedAfter(mark).stream().noneMatch(socket -> socket.state() == TcpState.CLOSE_WAIT)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no socket in CLOSE_WAIT 5 s after the server closed: "
                        + OpenSockets.openedAfter(mark));
            }
            Thread.sleep(20);
        }
    }

    /** Connects to a closing server and keeps the socket, once the peer's FIN arrived: it sits in CLOSE_WAIT. */
    static Socket leakInCloseWait() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), closingServer());
        LEAKED.add(socket);
        awaitPeerClose(socket);
        return socket;
    }

    static void awaitPeerClose(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        try {
            if (in.read() >= 0) {
                throw new IllegalStateException("the closing server sent data");
            }
        } catch (SocketTimeoutException slow) {
            throw new IllegalStateException("the closing server did not close in 5 s", slow);
        }
    }

    /** Opens a socket in CLOSE_WAIT from code outside any test class (as a library's thread would). */
    static final class Opener implements Runnable {
        @Override
        public void run() {
            try {
                leakInCloseWait();
            } catch (IOException failed) {
                throw new IllegalStateException(failed);
            }
        }
    }

    static EngineExecutionResults run(Class<?> sample, Map<String, String> parameters) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(sample))
                .configurationParameter(CloseWaitExtension.SETTLE, "300ms")
                .configurationParameters(parameters)
                .execute();
    }

    static EngineExecutionResults run(Class<?> sample) {
        return run(sample, Map.of());
    }

    /** Parallel execution, every test of a class at once, on two threads. */
    static Map<String, String> parallel() {
        return Map.of(CloseWaitExtension.PARALLEL, "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2");
    }

    /** The failure of the test named {@code method}, or {@code null} if it did not fail. */
    static Throwable failure(EngineExecutionResults results, String method) {
        for (Event event : results.testEvents().finished().list()) {
            TestExecutionResult result = event.getRequiredPayload(TestExecutionResult.class);
            if (event.getTestDescriptor().getDisplayName().startsWith(method + "(")
                    && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                return result.getThrowable().orElseThrow();
            }
        }
        return null;
    }

    /** What the run said, for assertion messages. */
    static String describe(EngineExecutionResults results) {
        return results.testEvents().finished().list().stream()
                .map(event -> event.getTestDescriptor().getDisplayName() + " "
                        + event.getRequiredPayload(TestExecutionResult.class))
                .collect(Collectors.joining("\n"));
    }
}
