package dev.closewait.agent.instrument;

import java.util.List;
import java.util.Set;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where the JDK's sockets connect, accept and close ({@link SocketAdvice}); never reads or writes.
 * {@code Socket.connect}/{@code close}, {@code ServerSocket.implAccept}, {@code SocketChannelImpl}
 * connect/finishConnect/blockingConnect/close and {@code ServerSocketChannelImpl} accept/blockingAccept.
 */
final class SocketTargets {

    private static final String SOCKET = "java.net.Socket";
    private static final String SOCKET_ADDRESS = "java.net.SocketAddress";
    private static final String SERVER_SOCKET = "java.net.ServerSocket";
    private static final String SOCKET_CHANNEL_IMPL = "sun.nio.ch.SocketChannelImpl";
    private static final String SERVER_SOCKET_CHANNEL_IMPL = "sun.nio.ch.ServerSocketChannelImpl";

    /** The classes, as binary names. */
    static final Set<String> CLASSES = Set.of(SOCKET, SERVER_SOCKET, SOCKET_CHANNEL_IMPL, SERVER_SOCKET_CHANNEL_IMPL);
    /** The classes, as internal names (what a transformer is given). */
    static final Set<String> INTERNAL_NAMES = Set.of("java/net/Socket", "java/net/ServerSocket",
            "sun/nio/ch/SocketChannelImpl", "sun/nio/ch/ServerSocketChannelImpl");

    private SocketTargets() {
    }

    static List<Target> all() {
        return List.of(
                new Target(named(SOCKET), named("connect").and(takesArguments(2))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(takesArgument(1, int.class)),
                        SocketAdvice.Connect.class),
                new Target(named(SOCKET), named("close").and(takesNoArguments()), SocketAdvice.Close.class),
                new Target(named(SERVER_SOCKET), named("implAccept").and(takesArguments(1))
                        .and(takesArgument(0, named(SOCKET))), SocketAdvice.ImplAccept.class),
                new Target(named(SOCKET_CHANNEL_IMPL), named("connect").and(takesArguments(1))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(returns(boolean.class)),
                        SocketAdvice.ChannelConnected.class),
                new Target(named(SOCKET_CHANNEL_IMPL), named("finishConnect").and(takesNoArguments())
                        .and(returns(boolean.class)), SocketAdvice.ChannelConnected.class),
                new Target(named(SOCKET_CHANNEL_IMPL), named("blockingConnect").and(takesArguments(2))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(takesArgument(1, long.class)),
                        SocketAdvice.ChannelBlockingConnect.class),
                new Target(named(SOCKET_CHANNEL_IMPL), named("implCloseSelectableChannel").and(takesNoArguments()),
                        SocketAdvice.ChannelClose.class),
                new Target(named(SOCKET_CHANNEL_IMPL), isConstructor(), LibraryAdvice.ChannelCreated.class),
                new Target(named(SERVER_SOCKET_CHANNEL_IMPL), named("accept").and(takesNoArguments()),
                        SocketAdvice.ChannelAccept.class),
                new Target(named(SERVER_SOCKET_CHANNEL_IMPL), named("blockingAccept").and(takesArguments(1))
                        .and(takesArgument(0, long.class)), SocketAdvice.ChannelAccept.class));
    }
}
