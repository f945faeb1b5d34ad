package dev.closewait.agent.instrument;

import java.util.List;

/**
 * Where the JDK's sockets connect, accept and close; never reads or writes.
 * {@code Socket.connect}/{@code close}, {@code ServerSocket.implAccept}, {@code SocketChannelImpl}
 * connect/finishConnect/blockingConnect/close and its constructors, and {@code ServerSocketChannelImpl}
 * accept/blockingAccept.
 */
final class SocketTargets {

    private static final String SOCKET = "java/net/Socket";
    private static final String SERVER_SOCKET = "java/net/ServerSocket";
    private static final String SOCKET_CHANNEL_IMPL = "sun/nio/ch/SocketChannelImpl";
    private static final String SERVER_SOCKET_CHANNEL_IMPL = "sun/nio/ch/ServerSocketChannelImpl";
    private static final String SOCKET_ADDRESS = "Ljava/net/SocketAddress;";

    private SocketTargets() {
    }

    static List<JdkTarget> all() {
        return List.of(
                new JdkTarget(SOCKET, "connect", "(" + SOCKET_ADDRESS + "I)V", JdkHook.CONNECTED),
                new JdkTarget(SOCKET, "close", "()V", JdkHook.CLOSING),
                new JdkTarget(SERVER_SOCKET, "implAccept", "(Ljava/net/Socket;)V", JdkHook.ACCEPTED_ARGUMENT),
                new JdkTarget(SOCKET_CHANNEL_IMPL, "connect", "(" + SOCKET_ADDRESS + ")Z", JdkHook.CONNECTED_IF_TRUE),
                new JdkTarget(SOCKET_CHANNEL_IMPL, "finishConnect", "()Z", JdkHook.CONNECTED_IF_TRUE),
                new JdkTarget(SOCKET_CHANNEL_IMPL, "blockingConnect", "(" + SOCKET_ADDRESS + "J)", JdkHook.CONNECTED),
                new JdkTarget(SOCKET_CHANNEL_IMPL, "implCloseSelectableChannel", "()V", JdkHook.CLOSING),
                new JdkTarget(SOCKET_CHANNEL_IMPL, "<init>", null, JdkHook.CHANNEL_CREATED),
                new JdkTarget(SERVER_SOCKET_CHANNEL_IMPL, "accept", "()", JdkHook.ACCEPTED_RESULT),
                new JdkTarget(SERVER_SOCKET_CHANNEL_IMPL, "blockingAccept", "(J)", JdkHook.ACCEPTED_RESULT));
    }
}
