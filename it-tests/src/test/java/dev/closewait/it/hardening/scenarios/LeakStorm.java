package dev.closewait.it.hardening.scenarios;

import dev.closewait.it.scenarios.Scenario;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A leak storm: sockets leaked at a steady rate from three lines of code, the server closing each
 * at once, while a JMX client reads the agent's MBean attributes and times each read. Args: leaks,
 * leaks per second.
 */
public final class LeakStorm {

    private static volatile long slowestNanos;
    private static volatile int reads;
    private static volatile String slowest = "none";
    private static volatile boolean storming = true;

    public static void main(String[] args) throws Exception {
        int leaks = Integer.parseInt(args[0]);
        int perSecond = Integer.parseInt(args[1]);
        try (ServerSocket server = Scenario.loopbackServer()) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        server.accept().close();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "acceptor");
            acceptor.start();
            Thread reader = new Thread(LeakStorm::readAttributes, "jmx-client");
            reader.setDaemon(true);
            reader.start();
            InetAddress loopback = server.getInetAddress();
            long started = System.nanoTime();
            for (int i = 0; i < leaks; i++) {
                long due = started + i * 1_000_000_000L / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                int port = server.getLocalPort();
                Scenario.keep(i % 3 == 0 ? openForOrders(loopback, port) : i % 3 == 1 ? openForStock(loopback, port)
                        : openForInvoices(loopback, port));
            }
            Scenario.result("stormMillis", (System.nanoTime() - started) / 1_000_000);
            Scenario.step("stormed");
            storming = false;
            reader.join();
            Scenario.result("mbeanReads", reads);
            Scenario.result("slowestMBeanReadMillis", slowestNanos / 1_000_000.0);
            Scenario.result("slowestMBeanRead", slowest);
            Scenario.step("measured");
        }
    }

    static Socket openForOrders(InetAddress host, int port) throws IOException {
        return new Socket(host, port);
    }

    static Socket openForStock(InetAddress host, int port) throws IOException {
        return new Socket(host, port);
    }

    static Socket openForInvoices(InetAddress host, int port) throws IOException {
        return new Socket(host, port);
    }

    /** What a monitoring system polls, every 100 ms while the storm lasts and until the test has seen it all. */
    private static void readAttributes() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName agent = new ObjectName("dev.closewait:type=LeakDetector");
            while (!server.isRegistered(agent)) {
                Thread.sleep(10);
            }
            while (storming) {
                for (String attribute : new String[] {"Leaks", "OpenLeaks", "DroppedLeaks", "Tracked", "Open",
                        "MaxPortShare", "JdbcConnectFailures"}) {
                    long start = System.nanoTime();
                    server.getAttribute(agent, attribute);
                    long took = System.nanoTime() - start;
                    if (took > slowestNanos) {
                        slowestNanos = took;
                        slowest = attribute + " (read " + (reads + 1) + ")";
                    }
                    reads++;
                }
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
