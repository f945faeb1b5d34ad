package dev.closewait.agent.tcp;

import java.util.Locale;

/** Picks the TCP table of this operating system. */
public final class TcpTables {

    private TcpTables() {
    }

    /** Linux: {@code /proc}; macOS and Windows: {@code netstat}; elsewhere {@code null} (no table). */
    public static TcpTable forThisPlatform() {
        if (ProcNetTcp.isAvailable()) {
            return new ProcNetTcp();
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
