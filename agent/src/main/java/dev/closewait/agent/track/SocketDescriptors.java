package dev.closewait.agent.track;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * The file descriptor number of an open socket, read from the JDK's own fields (a {@link Socket}'s
 * {@code SocketImpl}, or the one it delegates to; a {@code SocketChannelImpl}), for the scanner's peer-close watch. The fields
 * are made accessible by the registry's opener (to the agent alone); where that fails, or a JDK has
 * other fields, no descriptor is known and the scanner reads the table every scan, as without a watch.
 */
final class SocketDescriptors {

    private final Consumer<Field> opener;
    private boolean resolved;
    private Field socketImpl;
    private Field implDescriptor;
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
                Object impl = socketImpl.get(socket);
                for (int hop = 0; impl != null && hop < 3; hop++) {
                    descriptor = implDescriptor.get(impl);
                    if (descriptor != null || delegate == null || !delegatingType.isInstance(impl)) {
                        break;
                    }
                    impl = delegate.get(impl);
                }
            } else if (channelType != null && channelType.isInstance(socket)) {
                descriptor = channelDescriptor.get(socket);
            }
            return descriptor instanceof FileDescriptor ? descriptorNumber.getInt(descriptor) : -1;
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            return -1;
        }
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
