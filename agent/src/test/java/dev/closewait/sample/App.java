package dev.closewait.sample;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.track.SocketRegistry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Application code for the agent's tests: its frames are outside {@code dev.closewait.agent.},
 * so stacks keep them and a test can see which call opened or closed a socket.
 */
public final class App {

    private App() {
    }

    /** Connects to {@code server} and tells {@code registry}, as the woven connect would. */
    public static Socket connect(SocketRegistry registry, ServerSocket server) throws IOException {
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
        return socket;
    }

    /** Accepts from {@code server} and tells {@code registry}, as the woven accept would. */
    public static Socket accept(SocketRegistry registry, ServerSocket server) throws IOException {
        Socket socket = server.accept();
        registry.opened(socket, ConnectionEvents.ORIGIN_ACCEPT);
        return socket;
    }

    /** Closes {@code socket} and tells {@code registry}, as the woven close would. */
    public static void close(SocketRegistry registry, Socket socket) throws IOException {
        socket.close();
        registry.closed(socket);
    }
}
