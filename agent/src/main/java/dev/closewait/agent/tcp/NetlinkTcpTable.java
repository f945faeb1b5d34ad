package dev.closewait.agent.tcp;

import dev.closewait.agent.io.PrivateDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Linux's TCP table asked over netlink ({@code sock_diag}), as {@code ss} asks it: the kernel
 * filters by state and copies out binary rows, where {@code /proc/net/tcp} prints a line of text for
 * every socket of the namespace on every read. With 20,000 sockets in the namespace and a
 * CLOSE_WAIT filter this is the difference between tens of milliseconds and a few.
 *
 * <p>Java cannot open a netlink socket, so a small JNI library built with the agent
 * ({@code src/main/c/closewait_netlink.c}, Linux x86-64) does the dump into a direct buffer and this
 * class parses it. {@link #load(Consumer)} says why when it cannot be used; the agent then reads {@code /proc}:
 * <ul>
 *   <li>not Linux x86-64, or the library could not be written or loaded (a {@code noexec} temporary
 *       directory);</li>
 *   <li>JDK 24 or later without {@code --enable-native-access=ALL-UNNAMED}: loading native code
 *       would print the JDK's restricted-method warning into the application's output;</li>
 *   <li>the kernel refused the dump (a sandbox without netlink).</li>
 * </ul>
 *
 * <p>The kernel walks every TCP socket of the namespace for each dump, whatever the filter. A dump
 * per address family walks them twice; the older request that {@code ss} once used dumps both
 * families in one walk, and halves the kernel's work. It is used wherever the kernel answers it
 * ({@link #load(Consumer)} tries it), else one dump per family.
 */
public final class NetlinkTcpTable implements TcpTable {

    /** Bytes per row in the buffer; must match {@code RECORD} in the C source. */
    static final int RECORD = 42;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    /** What {@link #dump} takes for both families in one walk. */
    private static final int BOTH_FAMILIES = 0;
    private static final String LIBRARY = "/META-INF/native/linux-x86_64/libclosewait-netlink.so";

    private static boolean loaded;
    private static String unavailable;

    /** Rows the buffer holds; grown when a dump matched more. */
    private ByteBuffer buffer;
    /** Whether one dump gives both families (else one dump per family). */
    private final boolean oneDump;

    private NetlinkTcpTable(int rows, boolean oneDump) {
        buffer = ByteBuffer.allocateDirect(rows * RECORD);
        this.oneDump = oneDump;
    }

    /**
     * Dumps the TCP sockets of {@code family} ({@link #BOTH_FAMILIES}: both, in one walk) whose
     * Linux state bit is set in {@code states} into {@code out}; returns how many matched (more
     * than fit is possible) or a negative errno.
     */
    private static native int dump(int family, int states, ByteBuffer out);

    /**
     * The netlink table, or {@code null} with the reason in {@code why} where it cannot be used here.
     * Loads the library once per JVM and proves it with one dump: of both families at once where
     * the kernel answers that, else of each family.
     */
    public static NetlinkTcpTable load(Consumer<String> why) {
        return load(why, 1024);
    }

    /** {@link #load(Consumer)} with a buffer of {@code rows} rows to start with (tests make it grow). */
    static NetlinkTcpTable load(Consumer<String> why, int rows) {
        NetlinkTcpTable both = load(why, rows, true);
        return both != null ? both : load(why, rows, false);
    }

    /**
     * {@link #load(Consumer, int)} with one dump for both families ({@code oneDump}) or one per
     * family; {@code null} where it cannot be used. Only the dump per family tells {@code why}: the
     * one dump falls back to it.
     */
    static synchronized NetlinkTcpTable load(Consumer<String> why, int rows, boolean oneDump) {
        if (!loaded && unavailable == null) {
            unavailable = loadLibrary();
            loaded = unavailable == null;
        }
        if (!loaded) {
            if (!oneDump) {
                why.accept(unavailable);
            }
            return null;
        }
        NetlinkTcpTable table = new NetlinkTcpTable(rows, oneDump);
        try {
            table.read(Set.of(TcpState.CLOSE_WAIT), row -> { });
            return table;
        } catch (IOException refused) {
            if (!oneDump) {
                why.accept("the kernel refused a netlink dump: " + refused.getMessage());
            }
            return null;
        }
    }

    /** Whether the agent's native library is loaded in this JVM (by a {@link #load(Consumer)} that succeeded). */
    static synchronized boolean libraryLoaded() {
        return loaded;
    }

    /** Whether a read walks the kernel's sockets once (both families in one dump), not once per family. */
    boolean readsBothFamiliesInOneDump() {
        return oneDump;
    }

    /** Loads the library; returns why it cannot be, or {@code null}. */
    private static String loadLibrary() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "netlink is read only on Linux x86-64, not " + os + " " + arch;
        }
        if (Runtime.version().feature() >= 24 && !nativeAccessEnabled()) {
            return "JDK " + Runtime.version().feature() + " lets an agent load native code without a warning only under "
                    + "--enable-native-access=ALL-UNNAMED";
        }
        PrivateDirectory directory = null;
        try (InputStream in = NetlinkTcpTable.class.getResourceAsStream(LIBRARY)) {
            if (in == null) {
                return "the agent jar was built without its netlink library (" + LIBRARY + ")";
            }
            directory = PrivateDirectory.create();
            System.load(directory.write("libclosewait-netlink.so", in).toAbsolutePath().toString());
            return null;
        } catch (IOException | LinkageError | SecurityException cannot) {
            return "the netlink library could not be loaded: " + cannot;
        } finally {
            if (directory != null) {
                directory.delete(); // loaded or not, the mapping needs no file
            }
        }
    }

    /** JDK 22 and later: whether this code's module may call native code without a warning. */
    private static boolean nativeAccessEnabled() {
        try {
            Method enabled = Module.class.getMethod("isNativeAccessEnabled");
            return (Boolean) enabled.invoke(NetlinkTcpTable.class.getModule());
        } catch (ReflectiveOperationException | RuntimeException unknown) {
            return false;
        }
    }

    @Override
    public synchronized void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
        int mask = 0;
        for (TcpState state : states) {
            mask |= 1 << state.linuxCode();
        }
        if (oneDump) {
            readFamily(BOTH_FAMILIES, mask, sink);
        } else {
            readFamily(AF_INET, mask, sink);
            readFamily(AF_INET6, mask, sink);
        }
    }

    private void readFamily(int family, int mask, Consumer<TcpConnection> sink) throws IOException {
        int rows = dump(family, mask, buffer);
        // Rows past the buffer's end were counted, not written: grow it and ask again.
        for (int attempt = 0; rows > buffer.capacity() / RECORD; attempt++) {
            if (attempt == 3) {
                throw new IOException("the TCP table kept growing while being read (" + rows + " rows)");
            }
            buffer = ByteBuffer.allocateDirect((rows + rows / 4 + 64) * RECORD);
            rows = dump(family, mask, buffer);
        }
        if (rows < 0) {
            throw new IOException("netlink sock_diag dump failed with errno " + -rows);
        }
        for (int i = 0; i < rows; i++) {
            TcpConnection row = parse(buffer, i * RECORD);
            if (row != null) {
                sink.accept(row);
            }
        }
    }

    /** One record of the buffer; {@code null} for a state this agent does not know. */
    static TcpConnection parse(ByteBuffer records, int at) {
        int family = records.get(at) & 0xff;
        TcpState state = TcpState.ofLinuxCode(records.get(at + 1) & 0xff);
        if (state == null || (family != AF_INET && family != AF_INET6)) {
            return null;
        }
        int localPort = records.getShort(at + 2) & 0xffff;
        int remotePort = records.getShort(at + 4) & 0xffff;
        long inode = records.getInt(at + 38) & 0xffffffffL;
        return new TcpConnection(endpoint(records, at + 6, family, localPort),
                endpoint(records, at + 22, family, remotePort), state, inode, TcpConnection.NO_PID);
    }

    /** The address at {@code at} (4 or 16 bytes) and {@code port}; an IPv4 one, or an IPv4-mapped one, without an array. */
    private static Endpoint endpoint(ByteBuffer records, int at, int family, int port) {
        if (family == AF_INET) {
            return Endpoint.ofIpv4(records.getInt(at), port);
        }
        if (records.getLong(at) == 0 && records.getInt(at + 8) == 0xffff) { // ::ffff:a.b.c.d
            return Endpoint.ofIpv4(records.getInt(at + 12), port);
        }
        byte[] address = new byte[16];
        for (int i = 0; i < 16; i++) {
            address[i] = records.get(at + i);
        }
        return Endpoint.ofIpv6(address, port);
    }

    @Override
    public String describe() {
        return "netlink (sock_diag)";
    }
}
