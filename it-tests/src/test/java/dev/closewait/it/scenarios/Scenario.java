package dev.closewait.it.scenarios;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

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

    /**
     * The kernel's state for the connection from {@code localPort} to {@code remotePort} (any remote
     * port if negative) in this process's network namespace ({@code /proc/self/net/tcp*}), in hex as
     * Linux prints it ("08" is CLOSE_WAIT), or {@code null} if there is no such row. LISTEN rows never
     * match, and neither do TIME_WAIT rows: on a busy machine another process's finished connection
     * may have used the same port.
     */
    public static String kernelState(int localPort, int remotePort) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", localPort);
        String remote = String.format(Locale.ROOT, ":%04X", remotePort);
        for (String file : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(local) && !f[3].equals("0A") && !f[3].equals("06")
                        && (remotePort < 0 || f[2].endsWith(remote))) {
                    return f[3];
                }
            }
        }
        return null;
    }

    /** The state of the connection with {@code localPort}, whatever its remote port. */
    public static String kernelState(int localPort) throws IOException {
        return kernelState(localPort, -1);
    }

    /** Waits until {@code localPort}'s kernel state is {@code hexState} (e.g. "08" for CLOSE_WAIT). */
    public static void awaitKernelState(int localPort, String hexState) throws Exception {
        awaitKernelState(localPort, -1, hexState);
    }

    /** Waits until the connection's kernel state is {@code hexState}; {@code null} waits for the row to go. */
    public static void awaitKernelState(int localPort, int remotePort, String hexState) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!java.util.Objects.equals(hexState, kernelState(localPort, remotePort))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("port " + localPort + " never reached state " + hexState
                        + " (now " + kernelState(localPort, remotePort) + ")");
            }
            Thread.sleep(20);
        }
    }
}
