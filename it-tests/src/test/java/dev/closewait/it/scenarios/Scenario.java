package dev.closewait.it.scenarios;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

/**
 * What scenario programs share. A scenario is a small application run in its own JVM under the
 * agent; it talks to the test through standard streams: {@code STEP name} lines make it wait
 * until the test writes a line back, {@code RESULT key=value} lines tell the test what it did.
 */
public final class Scenario {

    private static final BufferedReader FROM_TEST =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    /** What a scenario leaks on purpose stays reachable until the JVM exits, as a real leak's owner would keep it. */
    private static final java.util.List<Object> LEAKED = new java.util.ArrayList<>();

    private Scenario() {
    }

    /** Keeps {@code leaked} reachable until exit: a collected socket would be RECLAIMED_BY_GC, not OPEN. */
    public static synchronized void keep(Object... leaked) {
        LEAKED.addAll(java.util.Arrays.asList(leaked));
    }

    /** Announces {@code name} and waits until the test lets the scenario go on. */
    public static void step(String name) {
        System.out.println("STEP " + name);
        System.out.flush();
        try {
            if (FROM_TEST.readLine() == null) {
                throw new IllegalStateException("the test closed the scenario's input at step " + name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tells the test a fact it will assert on. */
    public static void result(String key, Object value) {
        System.out.println("RESULT " + key + "=" + value);
        System.out.flush();
    }

    /** A listening socket on IPv4 loopback with an ephemeral port. */
    public static ServerSocket loopbackServer() throws IOException {
        return new ServerSocket(0, 1024, InetAddress.getByName("127.0.0.1"));
    }

    /** Reads until the peer's FIN; returns the bytes read. */
    public static int drain(InputStream in) throws IOException {
        byte[] buffer = new byte[1024];
        int total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }

    /** @see KernelTcpTable#state(int, int) */
    public static String kernelState(int localPort, int remotePort) {
        return KernelTcpTable.state(localPort, remotePort);
    }

    /** @see KernelTcpTable#state(int) */
    public static String kernelState(int localPort) {
        return KernelTcpTable.state(localPort);
    }

    /** @see KernelTcpTable#await(int, int, String) */
    public static void awaitKernelState(int localPort, String hexState) throws Exception {
        KernelTcpTable.await(localPort, -1, hexState);
    }

    /** @see KernelTcpTable#await(int, int, String) */
    public static void awaitKernelState(int localPort, int remotePort, String hexState) throws Exception {
        KernelTcpTable.await(localPort, remotePort, hexState);
    }
}
