package dev.closewait.demo.run;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Another process's TCP sockets in CLOSE_WAIT, as Linux reports them (what
 * {@code ss -tanp state close-wait} shows for that process): the rows of {@code /proc/<pid>/net/tcp}
 * and {@code tcp6} whose socket inode is one of the process's open descriptors. Public: the
 * end-to-end tests of it-tests check the agent's reports against it too.
 */
public final class KernelSockets {

    /** Linux's code for CLOSE_WAIT in the {@code st} column. */
    private static final String CLOSE_WAIT = "08";
    private static final String CLOSE_WAIT_FIELD = " " + CLOSE_WAIT + " ";

    private KernelSockets() {
    }

    /** Whether this system has the tables (Linux). */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/self/net/tcp"));
    }

    /**
     * How many sockets of process {@code pid} are in CLOSE_WAIT, by remote address ({@code ip:port}).
     * Empty if the process is gone.
     */
    public static Map<String, Integer> closeWaitByRemote(long pid) throws IOException {
        Set<String> inodes = socketInodes(pid);
        // By inode: a table that changes while it is read in chunks may repeat rows.
        Map<String, String> remoteByInode = new HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of("/proc", Long.toString(pid), "net", table);
            List<String> rows;
            try {
                rows = Files.readAllLines(path);
            } catch (IOException gone) {
                continue;
            }
            // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            for (String row : rows.subList(Math.min(1, rows.size()), rows.size())) {
                // A row without " 08 " anywhere is in another state: most rows of a busy host are
                // TIME_WAIT, and splitting each of them is the cost of this read.
                if (!row.contains(CLOSE_WAIT_FIELD)) {
                    continue;
                }
                String[] columns = row.trim().split("\\s+");
                if (columns.length > 9 && CLOSE_WAIT.equals(columns[3]) && inodes.contains(columns[9])) {
                    remoteByInode.put(columns[9], endpoint(columns[2]));
                }
            }
        }
        Map<String, Integer> byRemote = new TreeMap<>();
        remoteByInode.values().forEach(remote -> byRemote.merge(remote, 1, Integer::sum));
        return byRemote;
    }

    /** The inodes of the sockets among the descriptors of {@code pid} ({@code socket:[12345]} links). */
    private static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path descriptor : descriptors) {
                try {
                    String target = Files.readSymbolicLink(descriptor).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // The descriptor was closed while listing: not a socket held open.
                }
            }
        } catch (IOException gone) {
            return inodes;
        }
        return inodes;
    }

    /**
     * A kernel table's {@code 0100007F:9C40} (or 32 hex digits for IPv6) as {@code 127.0.0.1:40000}
     * (or {@code [::1]:40000}, as the agent's report writes IPv6); IPv4-mapped IPv6 addresses come out as IPv4.
     */
    static String endpoint(String hex) {
        int colon = hex.indexOf(':');
        String address = hex.substring(0, colon);
        int port = Integer.parseInt(hex.substring(colon + 1), 16);
        // The kernel prints each 32-bit word of the address in the host's byte order.
        boolean reversed = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        byte[] bytes = new byte[address.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int at = reversed ? (i / 4) * 8 + (3 - i % 4) * 2 : i * 2;
            bytes[i] = (byte) Integer.parseInt(address.substring(at, at + 2), 16);
        }
        try {
            // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) comes back as an Inet4Address.
            InetAddress ip = InetAddress.getByAddress(bytes);
            return (ip instanceof Inet6Address ? "[" + rfc5952(bytes) + "]" : ip.getHostAddress()) + ":" + port;
        } catch (UnknownHostException impossible) {
            throw new IllegalArgumentException("not an address: " + hex, impossible);
        }
    }

    /** IPv6 text as the agent's report writes it: no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    private static String rfc5952(byte[] address) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int start = 0; start < 8; start++) {
            int length = 0;
            while (start + length < 8 && groups[start + length] == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
            } else {
                text.append(text.length() == 0 || text.charAt(text.length() - 1) == ':' ? "" : ":")
                        .append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }
}
