package dev.closewait.demo.tds;

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

    /**
     * The state (hex, e.g. {@value #CLOSE_WAIT}) of every socket connected to {@code remotePort}, by
     * local port. Parsed from the bytes read, without a string per row: the tests watch sockets that
     * only a garbage collection could close (the driver abandoned them), and a host holding ten
     * thousand TIME_WAIT rows would otherwise allocate megabytes per read, enough for one.
     */
    static synchronized Map<Integer, String> socketsConnectedTo(int remotePort) {
        Map<Integer, String> states = new HashMap<>();
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            int length = read(table);
            int line = lineAfter(0, length); // the header
            while (line < length) {
                int next = lineAfter(line, length);
                // Columns: sl local_address rem_address st ...; addresses are HEXADDR:HEXPORT.
                int local = field(line, next, 1);
                int remote = field(line, next, 2);
                int state = field(line, next, 3);
                if (state >= 0 && port(remote) == remotePort) {
                    states.put(port(local), new String(BUFFER, state, 2, StandardCharsets.US_ASCII));
                }
                line = next;
            }
        }
        return states;
    }

    /**
     * The state of the client socket with this local port connected to {@code remotePort}, or
     * {@code null}. A read of the table can miss a row while other processes open and close
     * sockets (the kernel resumes each read at a row count, and rows before it come and go; a host
     * holding ten thousand TIME_WAIT rows has a table of more than one read), so a socket is absent
     * only if ten reads in a row, 10 ms apart, do not show it.
     */
    static String stateOf(int localPort, int remotePort) {
        String state = socketsConnectedTo(remotePort).get(localPort);
        for (int read = 1; read < 10 && state == null; read++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return null;
            }
            state = socketsConnectedTo(remotePort).get(localPort);
        }
        return state;
    }

    /** The table's bytes: about 200,000 rows (a busy host's TIME_WAIT rows count too). */
    private static final byte[] BUFFER = new byte[32 << 20];

    /** Reads the table into {@link #BUFFER}, in as few reads as the kernel allows (each resumes at a row count). */
    private static int read(Path table) {
        try (InputStream in = new FileInputStream(table.toFile())) {
            int length = 0;
            for (int n; (n = in.read(BUFFER, length, BUFFER.length - length)) > 0; ) {
                length += n;
                if (length == BUFFER.length) {
                    throw new IllegalStateException(table + " holds more than " + BUFFER.length + " bytes");
                }
            }
            return length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the line after the one starting at {@code at} starts ({@code length} at the end). */
    private static int lineAfter(int at, int length) {
        while (at < length && BUFFER[at] != '\n') {
            at++;
        }
        return Math.min(at + 1, length);
    }

    /** Where the {@code n}th blank-separated field of the line from {@code at} to {@code end} starts, or -1. */
    private static int field(int at, int end, int n) {
        for (int field = 0; at < end; field++) {
            while (at < end && BUFFER[at] == ' ') {
                at++;
            }
            if (at == end || BUFFER[at] == '\n') {
                return -1;
            }
            if (field == n) {
                return at;
            }
            while (at < end && BUFFER[at] != ' ') {
                at++;
            }
        }
        return -1;
    }

    /**
     * Whether a socket in this state (or absent: {@code null}) was closed by this process. Only
     * ESTABLISHED and CLOSE_WAIT sockets still hold a descriptor; FIN_WAIT, TIME_WAIT, LAST_ACK and
     * CLOSING come after {@code close()}, depending on which side closed first.
     */
    static boolean closedHere(String state) {
        return !ESTABLISHED.equals(state) && !CLOSE_WAIT.equals(state);
    }

    /** The hex port after the colon of the address field starting at {@code at}; -1 without one. */
    private static int port(int at) {
        if (at < 0) {
            return -1;
        }
        while (BUFFER[at] != ':') {
            if (BUFFER[at] == ' ' || BUFFER[at] == '\n') {
                return -1;
            }
            at++;
        }
        int port = 0;
        for (at++; Character.digit(BUFFER[at], 16) >= 0; at++) {
            port = port * 16 + Character.digit(BUFFER[at], 16);
        }
        return port;
    }
}
