package dev.closewait.junit;

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
