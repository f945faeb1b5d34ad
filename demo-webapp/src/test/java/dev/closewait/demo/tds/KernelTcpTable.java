package dev.closewait.demo.tds;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * This process's TCP sockets as Linux reports them in {@code /proc/self/net/tcp} and {@code tcp6}
 * (Java's dual-stack sockets to 127.0.0.1 appear in {@code tcp6} as {@code ::ffff:127.0.0.1}).
 * Only ports and states are read: on loopback the port pair identifies a connection.
 */
final class KernelTcpTable {

    /** Linux's code for ESTABLISHED. */
    static final String ESTABLISHED = "01";
    /** Linux's code for CLOSE_WAIT: the peer sent FIN, this side has not closed. */
    static final String CLOSE_WAIT = "08";

    private static final List<Path> TABLES = List.of(Path.of("/proc/self/net/tcp"), Path.of("/proc/self/net/tcp6"));

    private KernelTcpTable() {
    }

    static boolean isAvailable() {
        return Files.isReadable(TABLES.get(0));
    }

    /** The state (hex, e.g. {@value #CLOSE_WAIT}) of every socket connected to {@code remotePort}, by local port. */
    static Map<Integer, String> socketsConnectedTo(int remotePort) {
        Map<Integer, String> states = new HashMap<>();
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            List<String> lines = read(table);
            // Columns: sl local_address rem_address st ...; addresses are HEXADDR:HEXPORT.
            for (String line : lines.subList(1, lines.size())) {
                String[] columns = line.trim().split("\\s+");
                int local = port(columns[1]);
                int remote = port(columns[2]);
                if (remote == remotePort) {
                    states.put(local, columns[3]);
                }
            }
        }
        return states;
    }

    /**
     * The state of the client socket with this local port connected to {@code remotePort}, or
     * {@code null}. A read of the table can miss a row while other processes open and close
     * sockets (the kernel resumes each read at a row count, and rows before it come and go), so a
     * socket is absent only if three reads in a row do not show it.
     */
    static String stateOf(int localPort, int remotePort) {
        String state = null;
        for (int read = 0; read < 3 && state == null; read++) {
            state = socketsConnectedTo(remotePort).get(localPort);
        }
        return state;
    }

    /** The table's lines, in as few reads as the kernel allows: each read resumes at a row count. */
    private static List<String> read(Path table) {
        try (InputStream in = new FileInputStream(table.toFile())) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                all.write(buffer, 0, n);
            }
            return all.toString(StandardCharsets.US_ASCII).lines().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether a socket in this state (or absent: {@code null}) was closed by this process. Only
     * ESTABLISHED and CLOSE_WAIT sockets still hold a descriptor; FIN_WAIT, TIME_WAIT, LAST_ACK and
     * CLOSING come after {@code close()}, depending on which side closed first.
     */
    static boolean closedHere(String state) {
        return !ESTABLISHED.equals(state) && !CLOSE_WAIT.equals(state);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }
}
