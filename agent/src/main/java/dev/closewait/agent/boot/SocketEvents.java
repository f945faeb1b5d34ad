package dev.closewait.agent.boot;

/**
 * What the agent does with a socket event. Implemented by the agent's tracker; called only
 * through {@link SocketEventBridge}, never directly from instrumented code.
 */
public interface SocketEvents {

    /** {@code socket} (a {@code java.net.Socket} or a {@code SocketChannel}) was connected by this JVM. */
    int ORIGIN_CONNECT = 0;
    /** {@code socket} was accepted by a server socket of this JVM. */
    int ORIGIN_ACCEPT = 1;

    /** A socket became connected; {@code origin} is {@link #ORIGIN_CONNECT} or {@link #ORIGIN_ACCEPT}. */
    void opened(Object socket, int origin);

    /** The application closed {@code socket} (possibly one that was never tracked). */
    void closed(Object socket);

    /** The bridge caught {@code fault} from this instance; the bridge has already detached it. */
    void failed(Throwable fault);
}
