package dev.closewait.agent.tcp;

/** TCP states with the kernel's names and the numeric codes of Linux's {@code /proc/net/tcp}. */
public enum TcpState {
    ESTABLISHED(0x01),
    SYN_SENT(0x02),
    SYN_RECV(0x03),
    FIN_WAIT1(0x04),
    FIN_WAIT2(0x05),
    TIME_WAIT(0x06),
    CLOSE(0x07),
    /** The peer sent FIN; this side has not closed yet. What closewait is about. */
    CLOSE_WAIT(0x08),
    LAST_ACK(0x09),
    LISTEN(0x0A),
    CLOSING(0x0B),
    NEW_SYN_RECV(0x0C);

    private static final TcpState[] BY_CODE = new TcpState[16];

    static {
        for (TcpState state : values()) {
            BY_CODE[state.code] = state;
        }
    }

    private final int code;

    TcpState(int code) {
        this.code = code;
    }

    /** The code Linux prints in the {@code st} column. */
    public int linuxCode() {
        return code;
    }

    /** The state for a Linux {@code st} code, or {@code null} for a code this enum does not know. */
    public static TcpState ofLinuxCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /**
     * The state for a name printed by {@code netstat} on macOS, BSD or Windows, or {@code null}
     * for a name not known.
     */
    public static TcpState ofNetstatName(String name) {
        switch (name) {
            case "ESTABLISHED": return ESTABLISHED;
            case "SYN_SENT": return SYN_SENT;
            case "SYN_RCVD":
            case "SYN_RECEIVED": return SYN_RECV;
            case "FIN_WAIT_1": return FIN_WAIT1;
            case "FIN_WAIT_2": return FIN_WAIT2;
            case "TIME_WAIT": return TIME_WAIT;
            case "CLOSED": return CLOSE;
            case "CLOSE_WAIT": return CLOSE_WAIT;
            case "LAST_ACK": return LAST_ACK;
            case "LISTEN":
            case "LISTENING": return LISTEN;
            case "CLOSING": return CLOSING;
            default: return null;
        }
    }
}
