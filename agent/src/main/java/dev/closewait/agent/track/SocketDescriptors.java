package dev.closewait.agent.track;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * The file descriptor number of an open socket, and the endpoints of a socket whose class overrides
 * {@code Socket}'s getters, read from the JDK's own fields (a {@link Socket}'s
 * {@code SocketImpl}, or the one it delegates to; a {@code SocketChannelImpl}), for the scanner's peer-close watch. The fields
 * are made accessible by the registry's opener (to the agent alone); where that fails, or a JDK has
 * other fields, no descriptor is known and the scanner reads the table every scan, as without a watch.
 */
final class SocketDescriptors {

    private final Consumer<Field> opener;
    private boolean resolved;
    private Field socketImpl;
    private Field implDescriptor;
    private Field implAddress;
    private Field implPort;
    private Field implLocalPort;
    private Field socketClosed;
    private Field socketState;
    private int closedBit;
    /** JDK 13 and later: {@code SocksSocketImpl} (a plain socket's impl) wraps the one that holds the descriptor. */
    private Class<?> delegatingType;
    private Field delegate;
    private Field channelDescriptor;
    private Class<?> channelType;
    private Field descriptorNumber;

    SocketDescriptors(Consumer<Field> opener) {
        this.opener = opener;
    }

    /** The descriptor of {@code socket}, or -1 where it is not known (closed, or a kind of socket without one). */
    synchronized int of(Object socket) {
        if (!resolved) {
            resolve();
        }
        if (descriptorNumber == null || socket == null) {
            return -1;
        }
        try {
            Object descriptor = null;
            if (socket instanceof Socket && socketImpl != null) {
                Object impl = implOf((Socket) socket);
                descriptor = impl == null ? null : implDescriptor.get(impl);
            } else if (channelType != null && channelType.isInstance(socket)) {
                descriptor = channelDescriptor.get(socket);
            }
            return descriptor instanceof FileDescriptor ? descriptorNumber.getInt(descriptor) : -1;
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            return -1;
        }
    }

    /**
     * The endpoints of a connected {@code socket} read from its {@code SocketImpl}'s fields, without
     * calling any method of the socket: for a class of the application's that overrides
     * {@code Socket}'s getters, whose code may take the application's locks or throw. {@code null}
     * where they cannot be read or it is not connected.
     */
    synchronized Connected connectedOf(Socket socket) {
        if (!resolved) {
            resolve();
        }
        if (socketImpl == null || implAddress == null) {
            return null;
        }
        try {
            Object impl = implOf(socket);
            InetAddress remote = impl == null ? null : (InetAddress) implAddress.get(impl);
            int localPort = remote == null ? 0 : implLocalPort.getInt(impl);
            if (remote == null || localPort <= 0) {
                return null;
            }
            return new Connected(remote, implPort.getInt(impl), localPort, isClosed(socket));
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            return null;
        }
    }

    /** Whether {@code socket} is closed, by its own field: JDK 17's {@code closed}, or the bit of later JDKs' {@code state}. */
    private boolean isClosed(Socket socket) throws ReflectiveOperationException {
        if (socketClosed != null) {
            java.lang.invoke.VarHandle.fullFence(); // JDK 17's field is plain, written under a lock the read does not take
            return socketClosed.getBoolean(socket);
        }
        return socketState != null && (socketState.getInt(socket) & closedBit) != 0;
    }

    /** What {@link #connectedOf} read. */
    static final class Connected {
        final InetAddress remote;
        final int remotePort;
        final int localPort;
        /** Its descriptor is closed already (another thread closed it meanwhile). */
        final boolean closed;

        Connected(InetAddress remote, int remotePort, int localPort, boolean closed) {
            this.remote = remote;
            this.remotePort = remotePort;
            this.localPort = localPort;
            this.closed = closed;
        }
    }

    /** The impl of {@code socket} that holds its state: its own, or the one it delegates to (JDK 13 and later). */
    private Object implOf(Socket socket) throws ReflectiveOperationException {
        Object impl = socketImpl.get(socket);
        for (int hop = 0; impl != null && hop < 3; hop++) {
            if (implDescriptor.get(impl) != null || delegate == null || !delegatingType.isInstance(impl)) {
                return impl;
            }
            impl = delegate.get(impl);
        }
        return impl;
    }

    /**
     * Whether descriptors can be read at all here: the number field of {@code FileDescriptor}, and
     * that of a socket or of a channel. Looks the fields up on the first call.
     */
    synchronized boolean readable() {
        if (!resolved) {
            resolve();
        }
        return descriptorNumber != null && (socketImpl != null || channelType != null);
    }

    /** Looks the fields up once; those that cannot be made accessible stay {@code null}. */
    private void resolve() {
        resolved = true;
        descriptorNumber = accessible(FileDescriptor.class, "fd");
        socketImpl = accessible(Socket.class, "impl");
        implDescriptor = accessible(java.net.SocketImpl.class, "fd");
        if (socketImpl == null || implDescriptor == null) {
            socketImpl = null;
        }
        implAddress = accessible(java.net.SocketImpl.class, "address");
        implPort = accessible(java.net.SocketImpl.class, "port");
        implLocalPort = accessible(java.net.SocketImpl.class, "localport");
        socketClosed = accessible(Socket.class, "closed");
        socketState = socketClosed == null ? accessible(Socket.class, "state") : null;
        Field closedConstant = socketState == null ? null : accessible(Socket.class, "CLOSED");
        try {
            closedBit = closedConstant == null ? 0 : closedConstant.getInt(null);
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            closedBit = 0;
        }
        if (implPort == null || implLocalPort == null || socketClosed == null && closedBit == 0) {
            implAddress = null; // without the closed state, a socket closed meanwhile would be taken on
        }
        try {
            delegatingType = Class.forName("java.net.DelegatingSocketImpl", false, null);
            delegate = accessible(delegatingType, "delegate");
        } catch (ClassNotFoundException | LinkageError older) {
            delegate = null; // JDK 11: the impl holds the descriptor itself
        }
        try {
            Class<?> type = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
            channelDescriptor = accessible(type, "fd");
            channelType = channelDescriptor == null ? null : type;
        } catch (ClassNotFoundException | LinkageError absent) {
            channelType = null;
        }
    }

    private Field accessible(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            opener.accept(field);
            return field;
        } catch (NoSuchFieldException | RuntimeException | LinkageError unavailable) {
            return null;
        }
    }
}
