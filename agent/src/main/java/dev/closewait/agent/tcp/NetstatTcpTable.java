package dev.closewait.agent.tcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The TCP table as {@code netstat} prints it, for macOS and Windows. Each read runs the
 * commands (on Windows one for IPv4 and one for IPv6) and parses their output.
 */
final class NetstatTcpTable implements TcpTable {

    private static final long TIMEOUT_SECONDS = 10;

    private final NetstatParser.Dialect dialect;
    private final List<List<String>> commands;

    public NetstatTcpTable(NetstatParser.Dialect dialect, List<List<String>> commands) {
        this.dialect = dialect;
        this.commands = commands;
    }

    /** macOS: {@code netstat -anl -p tcp}; {@code -l} prints IPv6 addresses whole instead of cut short. */
    public static NetstatTcpTable macos() {
        return new NetstatTcpTable(NetstatParser.Dialect.BSD, List.of(List.of("netstat", "-anl", "-p", "tcp")));
    }

    /** The other BSDs: {@code netstat -an -p tcp}. */
    public static NetstatTcpTable bsd() {
        return new NetstatTcpTable(NetstatParser.Dialect.BSD, List.of(List.of("netstat", "-an", "-p", "tcp")));
    }

    /** Windows: {@code netstat -ano -p tcp} and {@code -p tcpv6}. */
    public static NetstatTcpTable windows() {
        return new NetstatTcpTable(NetstatParser.Dialect.WINDOWS, List.of(
                List.of("netstat", "-ano", "-p", "tcp"), List.of("netstat", "-ano", "-p", "tcpv6")));
    }

    @Override
    public void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
        for (List<String> command : commands) {
            NetstatParser.parse(dialect, run(command), states, sink);
        }
    }

    @Override
    public String describe() {
        StringBuilder text = new StringBuilder();
        for (List<String> command : commands) {
            text.append(text.length() == 0 ? "" : " and ").append(String.join(" ", command));
        }
        return text.toString();
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(out);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), interrupted);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with status " + process.exitValue());
        }
        return out.toString(Charset.defaultCharset().name());
    }
}
