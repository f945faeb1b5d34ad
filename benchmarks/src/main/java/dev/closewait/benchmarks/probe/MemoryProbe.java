package dev.closewait.benchmarks.probe;

import javax.management.JMException;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures what open sockets retain on the heap: a live class histogram (after a full GC) before
 * and after opening N connections to a {@link ConnectionPeer}, all from one call site (after one
 * connection that loads what loads once). Run once
 * with the agent and once without; the difference of the two deltas, divided by N, is what the
 * agent retains per tracked socket.
 *
 * <p>Prints {@code total <instances> <bytes>} and {@code class <name> <instances> <bytes>} for the
 * delta, then {@code info} lines. Arguments: {@code <N> <settle millis>}; the agent's scanner may
 * run during the settle time, as it would in an application that holds its connections.
 */
public final class MemoryProbe {

    private MemoryProbe() {
    }

    public static void main(String[] args) throws IOException, JMException, InterruptedException {
        int count = Integer.parseInt(args[0]);
        long settleMillis = Long.parseLong(args[1]);
        try (PeerProcess peer = PeerProcess.start()) {
            // One connection first: what loads once (the socket classes, and with the agent its
            // weaving of them) is not a cost per socket, so it lands before the first histogram.
            List<Socket> sockets = openAll(1, peer);
            liveHistogram(); // loads the management classes before the first real histogram
            Map<String, long[]> before = liveHistogram();
            sockets.addAll(openAll(count, peer));
            peer.awaitAccepted(count + 1);
            Thread.sleep(settleMillis);
            Map<String, long[]> after = liveHistogram();
            print(delta(before, after));
            System.out.println("info sockets " + (sockets.size() - 1));
            PeerProcess.closeWithReset(sockets);
        }
        System.exit(0);
    }

    private static List<Socket> openAll(int count, PeerProcess peer) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sockets.add(new Socket(loopback, peer.port()));
        }
        return sockets;
    }

    /** Class name to {instances, bytes} of live objects, from {@code GC.class_histogram} (which runs a full GC). */
    static Map<String, long[]> liveHistogram() throws JMException {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> histogram = new HashMap<>();
        for (String line : text.split("\n")) {
            // "   1:         12345        1234560  java.lang.String (java.base@17)"
            String[] words = line.trim().split("\\s+");
            if (words.length >= 4 && words[0].endsWith(":")) {
                histogram.put(words[3], new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])});
            }
        }
        return histogram;
    }

    /** {@code after} minus {@code before}, class by class: {instances, bytes}. */
    static Map<String, long[]> delta(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> delta = new HashMap<>();
        for (Map.Entry<String, long[]> entry : after.entrySet()) {
            long[] was = before.getOrDefault(entry.getKey(), new long[2]);
            delta.put(entry.getKey(), new long[] {entry.getValue()[0] - was[0], entry.getValue()[1] - was[1]});
        }
        for (Map.Entry<String, long[]> entry : before.entrySet()) {
            delta.putIfAbsent(entry.getKey(), new long[] {-entry.getValue()[0], -entry.getValue()[1]});
        }
        return delta;
    }

    private static void print(Map<String, long[]> delta) {
        long instances = 0;
        long bytes = 0;
        for (Map.Entry<String, long[]> entry : delta.entrySet()) {
            instances += entry.getValue()[0];
            bytes += entry.getValue()[1];
            if (entry.getValue()[1] != 0) {
                System.out.println("class " + entry.getKey() + " " + entry.getValue()[0] + " " + entry.getValue()[1]);
            }
        }
        System.out.println("total " + instances + " " + bytes);
    }
}
