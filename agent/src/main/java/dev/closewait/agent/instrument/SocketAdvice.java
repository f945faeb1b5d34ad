package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.EventBridge;
import dev.closewait.agent.boot.ConnectionEvents;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into JDK socket classes. Each piece only forwards an event to the bootstrap
 * bridge; it suppresses every throwable so nothing reaches the application.
 */
final class SocketAdvice {

    private SocketAdvice() {
    }

    /** {@code java.net.Socket.connect(SocketAddress, int)}: every blocking client connect ends here. */
    static final class Connect {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object socket, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                EventBridge.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
            }
        }
    }

    /** {@code java.net.Socket.close()}, also reached through the socket's streams and by SSL sockets. */
    static final class Close {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object socket) {
            EventBridge.closed(socket);
        }
    }

    /** {@code java.net.ServerSocket.implAccept(Socket)}: the socket argument is the accepted one. */
    static final class ImplAccept {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Object socket, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                EventBridge.opened(socket, ConnectionEvents.ORIGIN_ACCEPT);
            }
        }
    }

    /** {@code SocketChannelImpl.connect(SocketAddress)} and {@code finishConnect()}: true once connected. */
    static final class ChannelConnected {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object channel, @Advice.Return boolean connected) {
            if (connected) {
                EventBridge.opened(channel, ConnectionEvents.ORIGIN_CONNECT);
            }
        }
    }

    /** {@code SocketChannelImpl.blockingConnect(SocketAddress, long)}, used by the socket adaptor. */
    static final class ChannelBlockingConnect {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object channel, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                EventBridge.opened(channel, ConnectionEvents.ORIGIN_CONNECT);
            }
        }
    }

    /** {@code SocketChannelImpl.implCloseSelectableChannel()}: the channel's logical close. */
    static final class ChannelClose {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object channel) {
            EventBridge.closed(channel);
        }
    }

    /** {@code ServerSocketChannelImpl.accept()} and {@code blockingAccept(long)}: the returned channel. */
    static final class ChannelAccept {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object channel) {
            if (channel != null) {
                EventBridge.opened(channel, ConnectionEvents.ORIGIN_ACCEPT);
            }
        }
    }
}
