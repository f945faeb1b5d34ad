package dev.closewait.benchmarks.jmh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * An in-process server for connection churn: daemon threads accept loopback connections, wait for
 * the client's close and close too. With the agent, the accepted sockets are tracked too, as in a
 * real server.
 * <ul>
 *   <li>It closes with a reset ({@code SO_LINGER} 0) after the client's FIN, so that neither end
 *       lingers in TIME_WAIT: tens of thousands of TIME_WAIT rows would exhaust ephemeral ports and
 *       swell the kernel's TCP table that the agent's scanner reads (28,000 rows were seen after one
 *       run). Resetting before the client's close could fail the client's connect.</li>
 *   <li>Clients connect through {@link #connect()}, which lets at most {@link #UNACCEPTED} connections
 *       wait to be accepted. Clients that outran the acceptors overflowed the listen backlog; each
 *       dropped SYN cost a 1 s retransmission and the averages were meaningless.</li>
 *   <li>It accepts on a fixed number of platform threads, each serving one connection at a time
 *       ({@link #start(int)}), or as a virtual-thread server does ({@link #startOnVirtualThreads}):
 *       one thread accepts and each accepted connection is served on a virtual thread of its own.</li>
 * </ul>
 */
final class LoopbackAcceptor implements AutoCloseable {

    private static final int BACKLOG = 4096;
    private static final int UNACCEPTED = 256;

    private final ServerSocket server;
    private final Semaphore waitingToBeAccepted = new Semaphore(UNACCEPTED);
    private final List<Thread> threads = new ArrayList<>();
    private ExecutorService virtualThreads;

    private LoopbackAcceptor(ServerSocket server) {
        this.server = server;
    }

    /** Starts {@code threadCount} accepting threads on one loopback server socket. */
    static LoopbackAcceptor start(int threadCount) throws IOException {
        LoopbackAcceptor acceptor = new LoopbackAcceptor(
                new ServerSocket(0, BACKLOG, InetAddress.getLoopbackAddress()));
        for (int i = 0; i < threadCount; i++) {
            Thread thread = new Thread(acceptor::acceptUntilClosed, "loopback-acceptor-" + i);
            thread.setDaemon(true);
            acceptor.threads.add(thread);
            thread.start();
        }
        return acceptor;
    }

    /**
     * Starts one virtual thread that accepts loopback connections and serves each on a virtual thread
     * of its own, from {@code virtualThreads} (a virtual-thread-per-task executor, which {@link #close()}
     * shuts down).
     */
    static LoopbackAcceptor startOnVirtualThreads(ExecutorService virtualThreads) throws IOException {
        LoopbackAcceptor acceptor = new LoopbackAcceptor(
                new ServerSocket(0, BACKLOG, InetAddress.getLoopbackAddress()));
        acceptor.virtualThreads = virtualThreads;
        virtualThreads.execute(acceptor::acceptOnVirtualThreadsUntilClosed);
        return acceptor;
    }

    /** A new connection to this acceptor, once the acceptors have caught up enough. */
    Socket connect() throws IOException {
        waitingToBeAccepted.acquireUninterruptibly();
        try {
            return new Socket(server.getInetAddress(), server.getLocalPort());
        } catch (IOException | RuntimeException failed) {
            waitingToBeAccepted.release();
            throw failed;
        }
    }

    private void acceptUntilClosed() {
        while (!server.isClosed()) {
            try {
                Socket accepted = server.accept();
                waitingToBeAccepted.release();
                serve(accepted);
            } catch (IOException stopped) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void acceptOnVirtualThreadsUntilClosed() {
        while (!server.isClosed()) {
            try {
                Socket accepted = server.accept();
                waitingToBeAccepted.release();
                virtualThreads.execute(() -> serve(accepted));
            } catch (IOException | RejectedExecutionException stopped) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Waits for the client's close, then closes with a reset. */
    private static void serve(Socket accepted) {
        try (accepted) {
            accepted.getInputStream().read(); // the client's close
            accepted.setSoLinger(true, 0);
        } catch (IOException closed) {
            // the client is gone either way
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (virtualThreads != null) {
            virtualThreads.shutdown();
            try {
                virtualThreads.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
