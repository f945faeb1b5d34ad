package dev.closewait.agent.testing;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A TCP table whose rows the test sets; it counts its reads and the states each asked for. */
public final class SettableTable implements TcpTable {

    private final List<TcpConnection> rows = new ArrayList<>();
    private final List<Set<TcpState>> asked = new ArrayList<>();

    /** A row for {@code socket} (its own side) in {@code state}, with a descriptor (inode 7). */
    public void add(Socket socket, TcpState state) {
        add(new TcpConnection(Endpoint.of(socket.getLocalAddress(), socket.getLocalPort()),
                Endpoint.of(socket.getInetAddress(), socket.getPort()), state, 7, -1));
    }

    public void add(TcpConnection row) {
        rows.add(row);
    }

    public void clear() {
        rows.clear();
    }

    /** The states each read asked for, oldest first. */
    public List<Set<TcpState>> asked() {
        return asked;
    }

    @Override
    public void read(Set<TcpState> states, Consumer<TcpConnection> sink) throws IOException {
        asked.add(EnumSet.copyOf(states));
        rows.stream().filter(r -> states.contains(r.state())).forEach(sink);
    }

    @Override
    public String describe() {
        return "a table set by the test";
    }
}
