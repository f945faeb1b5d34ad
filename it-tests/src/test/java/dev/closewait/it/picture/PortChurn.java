package dev.closewait.it.picture;

import dev.closewait.it.scenarios.Scenario;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that churns connections to one stock server on loopback, each opened, used once and
 * closed by the client first, so that its port waits in TIME_WAIT: one burst of {@code args[i]}
 * connections per argument, with a step after each once the agent counts every port it holds
 * (the MBean's {@code MaxPortShare}). The server listens on {@link #STOCK_PORT}, outside the
 * ephemeral range, in the JVM's private network namespace ({@link PrivateNetwork}).
 */
public final class PortChurn {

    public static final int STOCK_PORT = 7000;

    public static void main(String[] args) throws Exception {
        int range = ephemeralRange();
        try (ServerSocket stock = new ServerSocket(STOCK_PORT, 200, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger answered = new AtomicInteger();
            Thread server = new Thread(() -> answerEach(stock, answered), "stock-server");
            server.setDaemon(true);
            server.start();
            int churned = 0;
            for (int burst = 0; burst < args.length; burst++) {
                int connections = Integer.parseInt(args[burst]);
                for (int i = 0; i < connections; i++) {
                    checkStock();
                }
                churned += connections;
                int expected = churned;
                // Each client port leaves FIN_WAIT_2 for TIME_WAIT as the server closes its end.
                for (long deadline = System.nanoTime() + 10_000_000_000L; answered.get() < expected; ) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the stock server answered " + answered + " of " + expected);
                    }
                    Thread.sleep(10);
                }
                long start = System.nanoTime();
                AgentMBean.await("MaxPortShare", share -> Math.round((Double) share * range) >= expected);
                Scenario.result("waited" + burst, (System.nanoTime() - start) / 1_000_000 + " ms");
                Scenario.result("churned" + burst, churned);
                Scenario.step("burst" + burst);
            }
        }
    }

    /** Asks the stock server once, on a connection of its own, and hangs up first. */
    static void checkStock() throws IOException {
        try (Socket connection = new Socket(InetAddress.getByName("127.0.0.1"), STOCK_PORT)) {
            connection.getOutputStream().write('q');
        }
    }

    /** Reads each request to its end and closes at once: the client's port goes to TIME_WAIT, not FIN_WAIT_2. */
    private static void answerEach(ServerSocket stock, AtomicInteger answered) {
        while (!stock.isClosed()) {
            try (Socket client = stock.accept(); InputStream in = client.getInputStream()) {
                Scenario.drain(in);
                client.close();
                answered.incrementAndGet();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static int ephemeralRange() throws IOException {
        String[] bounds = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        return Integer.parseInt(bounds[1]) - Integer.parseInt(bounds[0]) + 1;
    }
}
