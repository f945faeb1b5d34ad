package dev.closewait.agent.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Parses {@code netstat} output where no {@code /proc/net/tcp} exists: macOS/BSD
 * ({@code netstat -an -p tcp}: {@code 127.0.0.1.52345}, a dot before the port) and Windows
 * ({@code netstat -ano -p tcp}: {@code 127.0.0.1:52345}, {@code [::1]:8080}, a PID column).
 * Lines that are not TCP rows (headers, UDP, blank) are skipped.
 */
final class NetstatParser {

    /** The dialects of {@code netstat} this parser reads. */
    public enum Dialect {
        /** macOS and the BSDs: {@code Proto Recv-Q Send-Q Local Foreign (state)}. */
        BSD,
        /** Windows: {@code Proto Local Foreign State PID}. */
        WINDOWS
    }

    private NetstatParser() {
    }

    /** Hands every TCP row of {@code output} in one of {@code states} to {@code sink}. */
    public static void parse(Dialect dialect, String output, Set<TcpState> states, Consumer<TcpConnection> sink) {
        for (String line : output.split("\r?\n")) {
            String[] f = line.trim().split("\\s+");
            TcpConnection row = dialect == Dialect.BSD ? bsdRow(f) : windowsRow(f);
            if (row != null && states.contains(row.state())) {
                sink.accept(row);
            }
        }
    }

    private static TcpConnection bsdRow(String[] f) {
        // tcp4  0  0  127.0.0.1.52345  127.0.0.1.5432  CLOSE_WAIT
        if (f.length < 6 || !f[0].startsWith("tcp")) {
            return null;
        }
        TcpState state = TcpState.ofNetstatName(f[5]);
        Endpoint local = endpoint(f[3], '.');
        Endpoint remote = endpoint(f[4], '.');
        return state == null || local == null || remote == null
                ? null : new TcpConnection(local, remote, state, TcpConnection.NO_INODE, TcpConnection.NO_PID);
    }

    private static TcpConnection windowsRow(String[] f) {
        // TCP  127.0.0.1:52345  127.0.0.1:5432  CLOSE_WAIT  4242
        if (f.length < 4 || !f[0].equals("TCP")) {
            return null;
        }
        TcpState state = TcpState.ofNetstatName(f[3]);
        Endpoint local = endpoint(f[1], ':');
        Endpoint remote = endpoint(f[2], ':');
        long pid = TcpConnection.NO_PID;
        if (f.length > 4) {
            try {
                pid = Long.parseLong(f[4]);
            } catch (NumberFormatException notAPid) {
                return null;
            }
        }
        return state == null || local == null || remote == null
                ? null : new TcpConnection(local, remote, state, TcpConnection.NO_INODE, pid);
    }

    /** {@code host<sep>port}, host possibly {@code *}, bracketed or with a {@code %scope}. */
    private static Endpoint endpoint(String text, char separator) {
        int cut = text.lastIndexOf(separator);
        if (cut <= 0 || cut == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, cut);
        String portText = text.substring(cut + 1);
        int port;
        if (portText.equals("*")) {
            port = 0;
        } else {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException notAPort) {
                return null;
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int scope = host.indexOf('%');
        if (scope >= 0) {
            host = host.substring(0, scope);
        }
        if (host.equals("*")) {
            host = "0.0.0.0";
        }
        if (!isLiteral(host)) {
            return null;
        }
        try {
            return Endpoint.of(InetAddress.getByName(host), port);
        } catch (UnknownHostException notAnAddress) {
            return null;
        }
    }

    /** Only literal addresses: never let a malformed row trigger a name lookup. */
    private static boolean isLiteral(String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                return false;
            }
        }
        return host.indexOf(':') >= 0 || host.chars().filter(c -> c == '.').count() == 3;
    }
}
