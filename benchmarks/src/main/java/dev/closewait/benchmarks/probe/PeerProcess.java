package dev.closewait.benchmarks.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The probes' handle on a {@link ConnectionPeer} running in a child JVM. */
final class PeerProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader replies;
    private final PrintWriter commands;
    private final int port;

    private PeerProcess(Process process) throws IOException {
        this.process = process;
        this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.port = Integer.parseInt(expect("port"));
    }

    /** Starts a peer with {@code java} and the class path of this JVM (the benchmarks jar). */
    static PeerProcess start() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xss256k", "-cp",
                System.getProperty("java.class.path"), ConnectionPeer.class.getName()));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new PeerProcess(builder.start());
    }

    int port() {
        return port;
    }

    /** Waits until the peer has accepted {@code count} connections in all. */
    void awaitAccepted(int count) throws IOException {
        commands.println("await " + count);
        expect("accepted");
    }

    /** Has the peer close {@code count} of the connections it holds; their ends here go to CLOSE_WAIT. */
    void closeSome(int count) throws IOException {
        commands.println("close " + count);
        expect("closed");
    }

    /**
     * Has the peer listen on {@code count} more ports that close each connection once its other end
     * closes (which is then left in TIME_WAIT); returns their ports.
     */
    int[] churnPorts(int count) throws IOException {
        commands.println("churn " + count);
        String[] ports = expect("churn").split(",");
        int[] numbers = new int[ports.length];
        for (int i = 0; i < ports.length; i++) {
            numbers[i] = Integer.parseInt(ports[i]);
        }
        return numbers;
    }

    private String expect(String word) throws IOException {
        String line = replies.readLine();
        if (line == null || !line.startsWith(word + " ")) {
            throw new IOException("the connection peer answered " + line + " instead of '" + word + " ...'");
        }
        return line.substring(word.length() + 1);
    }

    /**
     * Closes {@code sockets} with a reset ({@code SO_LINGER} 0), so that no TIME_WAIT row outlives
     * the probe: thousands of them would swell the TCP table the next measurements read.
     */
    static void closeWithReset(Iterable<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (IOException alreadyClosed) {
                // nothing left to clean up
            }
        }
    }

    @Override
    public void close() {
        commands.close();
        process.destroy();
    }
}
