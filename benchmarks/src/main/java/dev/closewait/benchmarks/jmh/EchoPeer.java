package dev.closewait.benchmarks.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** An in-process peer that accepts one loopback connection and writes back every byte it reads. */
final class EchoPeer implements AutoCloseable {

    private final ServerSocket server;
    private final Thread thread;
    private volatile Socket accepted;

    private EchoPeer(ServerSocket server) {
        this.server = server;
        this.thread = new Thread(this::echo, "echo-peer");
        this.thread.setDaemon(true);
    }

    static EchoPeer start() throws IOException {
        EchoPeer peer = new EchoPeer(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        peer.thread.start();
        return peer;
    }

    InetAddress address() {
        return server.getInetAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    private void echo() {
        try (Socket socket = server.accept()) {
            accepted = socket;
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException closed) {
            // The benchmark is over.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket socket = accepted;
        if (socket != null) {
            socket.close();
        }
    }
}
