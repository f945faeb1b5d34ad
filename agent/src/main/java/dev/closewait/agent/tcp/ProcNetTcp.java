package dev.closewait.agent.tcp;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Linux's TCP table: {@code /proc/net/tcp} and {@code /proc/net/tcp6} of this process's network
 * namespace. Parsed as bytes; rows whose state is not wanted are skipped before any object is made.
 *
 * <p>Addresses are hex in host byte order (per 32-bit word for IPv6), ports plain hex. Java's
 * dual-stack sockets appear in {@code tcp6} with IPv4-mapped addresses; {@link Endpoint} unmaps them.
 */
public final class ProcNetTcp implements TcpTable {

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** Bytes read per system call; a row is about 150 bytes, so a few hundred rows at a time. */
    private static final int CHUNK = 64 * 1024;

    private final Path tcp4;
    private final Path tcp6;
    /** Kept between scans; never grows past one chunk and the tail of a row cut at its end. */
    private byte[] buffer = new byte[CHUNK];

    /** The table of this process's network namespace. */
    public ProcNetTcp() {
        this(Paths.get("/proc/self/net/tcp"), Paths.get("/proc/self/net/tcp6"));
    }

    /** A table read from the given files (either may be missing: IPv6 can be disabled). */
    public ProcNetTcp(Path tcp4, Path tcp6) {
        this.tcp4 = tcp4;
        this.tcp6 = tcp6;
    }

    /** Whether this machine has a readable {@code /proc/self/net/tcp}. */
    public static boolean isAvailable() {
        return Files.isReadable(Paths.get("/proc/self/net/tcp"));
    }

    @Override
    public synchronized void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
        boolean[] wanted = new boolean[16];
        for (TcpState state : states) {
            wanted[state.linuxCode()] = true;
        }
        readAndParse(tcp4, wanted, sink);
        if (Files.exists(tcp6)) {
            readAndParse(tcp6, wanted, sink);
        }
    }

    @Override
    public String describe() {
        return tcp4 + " and " + tcp6;
    }

    /**
     * Reads one file a chunk at a time and parses each chunk's whole rows at once, carrying a row
     * cut at the chunk's end over to the next. The buffer stays one chunk long whatever the table's
     * size: reading a 10,000-connection table (3 MB) whole kept a 4 MB array alive between scans.
     */
    private void readAndParse(Path file, boolean[] wanted, Consumer<TcpConnection> sink) throws IOException {
        // /proc files report size 0: read until EOF.
        try (InputStream in = new FileInputStream(file.toFile())) {
            int length = 0;
            boolean header = true;
            while (true) {
                if (length == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2); // a single row longer than a chunk
                }
                int n = in.read(buffer, length, buffer.length - length);
                if (n < 0) {
                    parseRows(buffer, header ? nextLine(buffer, 0, length) : 0, length, wanted, sink);
                    return;
                }
                length += n;
                int whole = lastLineEnd(buffer, length);
                if (whole > 0) {
                    parseRows(buffer, header ? nextLine(buffer, 0, whole) : 0, whole, wanted, sink);
                    header = false;
                    System.arraycopy(buffer, whole, buffer, 0, length - whole);
                    length -= whole;
                }
            }
        }
    }

    /**
     * Parses the text of one table file. Public for tests; {@code wanted} is indexed by Linux
     * state code. Malformed rows are skipped.
     */
    public static void parse(byte[] data, int length, boolean[] wanted, Consumer<TcpConnection> sink) {
        parseRows(data, nextLine(data, 0, length), length, wanted, sink); // the first line is the header
    }

    private static void parseRows(byte[] data, int pos, int end, boolean[] wanted, Consumer<TcpConnection> sink) {
        while (pos < end) {
            int next = nextLine(data, pos, end);
            parseRow(data, pos, next, wanted, sink);
            pos = next;
        }
    }

    /** Index just past the last newline before {@code length}, or 0 if there is none. */
    private static int lastLineEnd(byte[] data, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (data[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    /** Index just past the next newline at or after {@code pos}, or {@code length}. */
    private static int nextLine(byte[] data, int pos, int length) {
        while (pos < length && data[pos] != '\n') {
            pos++;
        }
        return Math.min(pos + 1, length);
    }

    private static void parseRow(byte[] d, int pos, int end, boolean[] wanted, Consumer<TcpConnection> sink) {
        // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
        int[] cursor = {pos};
        if (skipField(d, cursor, end) < 0) { // "0:"
            return;
        }
        int localStart = skipSpaces(d, cursor[0], end);
        int localColon = indexOf(d, localStart, end, (byte) ':');
        if (localColon < 0) {
            return;
        }
        int addressChars = localColon - localStart;
        if (addressChars != 8 && addressChars != 32) {
            return;
        }
        int remoteStart = skipSpaces(d, indexOf(d, localColon, end, (byte) ' '), end);
        int remoteColon = remoteStart + addressChars;
        if (remoteColon >= end || d[remoteColon] != ':') {
            return;
        }
        int stateStart = skipSpaces(d, indexOf(d, remoteColon, end, (byte) ' '), end);
        if (stateStart + 2 > end) {
            return;
        }
        int code = hex(d, stateStart, stateStart + 2);
        if (code < 0 || code >= wanted.length || !wanted[code]) {
            return;
        }
        TcpState state = TcpState.ofLinuxCode(code);
        if (state == null) {
            return;
        }
        // tx:rx, tr:when, retrnsmt, uid, timeout, then inode
        cursor[0] = stateStart + 2;
        for (int i = 0; i < 5; i++) {
            if (skipField(d, cursor, end) < 0) {
                return;
            }
        }
        int inodeStart = skipSpaces(d, cursor[0], end);
        long inode = 0;
        int i = inodeStart;
        while (i < end && d[i] >= '0' && d[i] <= '9') {
            inode = inode * 10 + (d[i] - '0');
            i++;
        }
        if (i == inodeStart) {
            return;
        }
        int localPort = hex(d, localColon + 1, localColon + 5);
        int remotePort = hex(d, remoteColon + 1, remoteColon + 5);
        byte[] localAddress = address(d, localStart, addressChars);
        byte[] remoteAddress = address(d, remoteStart, addressChars);
        if (localPort < 0 || remotePort < 0 || localAddress == null || remoteAddress == null) {
            return;
        }
        sink.accept(new TcpConnection(Endpoint.of(localAddress, localPort), Endpoint.of(remoteAddress, remotePort),
                state, inode, TcpConnection.NO_PID));
    }

    /** Address bytes in network order from 8 or 32 hex chars of 32-bit words in host order. */
    private static byte[] address(byte[] d, int start, int chars) {
        byte[] out = new byte[chars / 2];
        for (int word = 0; word < chars / 8; word++) {
            for (int b = 0; b < 4; b++) {
                int value = hex(d, start + word * 8 + b * 2, start + word * 8 + b * 2 + 2);
                if (value < 0) {
                    return null;
                }
                int target = LITTLE_ENDIAN ? 3 - b : b;
                out[word * 4 + target] = (byte) value;
            }
        }
        return out;
    }

    private static int hex(byte[] d, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            int digit = Character.digit(d[i], 16);
            if (digit < 0) {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    /** Skips blanks then one field; returns the field start or -1 at end of line. */
    private static int skipField(byte[] d, int[] cursor, int end) {
        int start = skipSpaces(d, cursor[0], end);
        int i = start;
        while (i < end && d[i] != ' ' && d[i] != '\n') {
            i++;
        }
        if (i == start) {
            return -1;
        }
        cursor[0] = i;
        return start;
    }

    private static int skipSpaces(byte[] d, int pos, int end) {
        if (pos < 0) {
            return end;
        }
        while (pos < end && d[pos] == ' ') {
            pos++;
        }
        return pos;
    }

    private static int indexOf(byte[] d, int from, int end, byte b) {
        for (int i = from; i < end; i++) {
            if (d[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
