package dev.closewait.agent.tcp;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/** Picks the TCP table of this operating system. */
public final class TcpTables {

    /**
     * System property that picks the Linux table: {@code auto} (the default: netlink where it can be
     * used, else {@code /proc}), {@code netlink} or {@code proc}. A diagnostic switch, not an option.
     */
    public static final String TABLE_PROPERTY = "closewait.tcpTable";

    private TcpTables() {
    }

    /**
     * For the start-up line: where {@code table} reads TCP states, and the {@code notes} that
     * {@link #forThisPlatform(Consumer)} gave on why not netlink.
     */
    public static String describe(TcpTable table, List<String> notes) {
        return table.describe() + (notes.isEmpty() ? "" : " (not netlink: " + String.join("; ", notes) + ")");
    }

    /** {@link #forThisPlatform(Consumer)}, without the note. */
    public static TcpTable forThisPlatform() {
        return forThisPlatform(note -> { });
    }

    /**
     * Linux: netlink where it can be used, else {@code /proc}; macOS and Windows: {@code netstat};
     * elsewhere {@code null} (no table). {@code note} hears, once, why netlink is not used on Linux,
     * or that {@link #TABLE_PROPERTY} has a value it does not know.
     */
    public static TcpTable forThisPlatform(Consumer<String> note) {
        if (ProcNetTcp.isAvailable()) {
            String wanted = System.getProperty(TABLE_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
            if (!wanted.equals("auto") && !wanted.equals("netlink") && !wanted.equals("proc")) {
                note.accept("-D" + TABLE_PROPERTY + "=" + wanted + " is not auto, netlink or proc; using auto");
                wanted = "auto";
            }
            if (wanted.equals("proc")) {
                note.accept("-D" + TABLE_PROPERTY + "=proc");
                return new ProcNetTcp();
            }
            NetlinkTcpTable netlink = NetlinkTcpTable.load(note);
            return netlink != null ? netlink : new ProcNetTcp();
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            return NetstatTcpTable.windows();
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return NetstatTcpTable.macos();
        }
        if (os.contains("bsd")) {
            return NetstatTcpTable.bsd();
        }
        return null;
    }
}
