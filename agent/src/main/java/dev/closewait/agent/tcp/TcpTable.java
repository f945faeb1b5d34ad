package dev.closewait.agent.tcp;

import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;

/** A source of the TCP connections the operating system knows about. */
public interface TcpTable {

    /**
     * Reads the table once and hands every connection in one of {@code states} to {@code sink};
     * rows in other states are skipped before any object is made for them.
     */
    void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException;

    /** Where the rows come from, for messages: {@code /proc/net/tcp and /proc/net/tcp6}. */
    String describe();
}
