package dev.closewait.agent;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.track.SocketRegistry;

import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * What the bootstrap bridge calls: each event goes to the part of the agent it is for. Sockets and
 * JDBC connections to the registry; the end of the JVM to the exit policy; the platform MBean
 * server to the MBean's registration; an attach client's request for agent properties to the live
 * report; a fault turns the agent off.
 */
final class BridgeEvents implements ConnectionEvents {

    private final SocketRegistry registry;
    private final IntUnaryOperator exitStatus;
    private final Consumer<Object> mbeanServer;
    private final Consumer<Throwable> onFault;
    private final UnaryOperator<byte[]> agentProperties;
    private volatile boolean mainThreadFailed;
    /**
     * The id of the thread that runs {@code main} (-1: none known). Not its name: {@code main} may
     * rename itself, and any other thread may be named "main".
     */
    private final long mainThreadId;

    BridgeEvents(SocketRegistry registry, IntUnaryOperator exitStatus, Consumer<Object> mbeanServer,
                 UnaryOperator<byte[]> agentProperties, Consumer<Throwable> onFault, long mainThreadId) {
        this.mainThreadId = mainThreadId;
        this.registry = registry;
        this.exitStatus = exitStatus;
        this.mbeanServer = mbeanServer;
        this.onFault = onFault;
        this.agentProperties = agentProperties;
    }

    @Override
    public void opened(Object socket, int origin) {
        registry.opened(socket, origin);
    }

    @Override
    public void nativeOpened(Object socket, int fd) {
        registry.nativeOpened(socket, fd);
    }

    @Override
    public void closed(Object socket) {
        registry.closed(socket);
    }

    @Override
    public void jdbcConnectStarted(Object driver, String url, Object info, Object connection) {
        registry.jdbcConnectStarted(driver, url, info, connection);
    }

    @Override
    public void jdbcConnectEnded(Object result, Throwable thrown) {
        registry.jdbcConnectEnded(result, thrown);
    }

    @Override
    public void jdbcClosed(Object connection) {
        registry.jdbcClosed(connection);
    }

    @Override
    public void requestStarted(Object request) {
        registry.requestStarted(request);
    }

    @Override
    public void actingFor(Object request) {
        registry.actingFor(request);
    }

    @Override
    public void requestEnded() {
        registry.requestEnded();
    }

    @Override
    public void channelCreated(Object channel) {
        registry.channelCreated(channel);
    }

    @Override
    public void pool(int library, int event, Object resource, Object detail) {
        registry.pool(library, event, resource, detail);
    }

    @Override
    public int exitStatus(int proposed) {
        return exitStatus.applyAsInt(proposed);
    }

    @Override
    public void uncaughtException(Thread thread) {
        if (thread.getId() == mainThreadId) {
            mainThreadFailed = true;
        }
    }

    /** Whether the thread that ran main died of an uncaught exception (the launcher then exits with 1). */
    boolean mainThreadFailed() {
        return mainThreadFailed;
    }

    @Override
    public void platformMBeanServer(Object server) {
        mbeanServer.accept(server);
    }

    @Override
    public byte[] agentPropertiesRequested(byte[] serialized) {
        return agentProperties.apply(serialized);
    }

    @Override
    public void failed(Throwable fault) {
        onFault.accept(fault);
    }
}
