package dev.closewait.benchmarks.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The far end of the probes' connections, in a process of its own, so that the measured JVM holds
 * only its own ends (10,000 connections are 10,000 descriptors there, not 20,000). It accepts on
 * loopback and holds every connection, and obeys commands on stdin:
 * <ul>
 *   <li>{@code await N}: answers {@code accepted N} once N connections were accepted;</li>
 *   <li>{@code close K}: closes K held connections (their other ends go to CLOSE_WAIT), answers {@code closed K}.</li>
 *   <li>{@code churn K}: listens on K more loopback ports, answers {@code churn P1,P2,…}; a connection
 *       there is closed as soon as its other end closes, so that end (the active closer) is left in
 *       TIME_WAIT. Several ports, so that thousands of TIME_WAIT rows do not all hold ports towards
 *       one remote endpoint.</li>
 * </ul>
 * A connection to the first port is never closed by the peer unless told: one the other end closes
 * stays in FIN_WAIT_2 there (and in CLOSE_WAIT here).
 * It prints {@code port P} first, and exits when stdin closes (its parent is gone).
 */
public final class ConnectionPeer {

    private final List<Socket> held = new ArrayList<>();
    private int closed;

    private ConnectionPeer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        ConnectionPeer peer = new ConnectionPeer();
        ServerSocket server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> peer.acceptUntilClosed(server), "peer-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("port " + server.getLocalPort());
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = commands.readLine()) != null; ) {
            String[] words = line.trim().split(" ");
            if (words.length == 2 && words[0].equals("await")) {
                System.out.println("accepted " + peer.await(Integer.parseInt(words[1])));
            } else if (words.length == 2 && words[0].equals("close")) {
                System.out.println("closed " + peer.close(Integer.parseInt(words[1])));
            } else if (words.length == 2 && words[0].equals("churn")) {
                System.out.println("churn " + peer.churnPorts(Integer.parseInt(words[1])));
            } else {
                System.out.println("unknown command: " + line);
            }
            System.out.flush();
        }
        System.exit(0);
    }

    /** Opens {@code count} listeners served by one selector thread; returns their ports, comma-separated. */
    private String churnPorts(int count) throws IOException {
        Selector selector = Selector.open();
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            ports.add(String.valueOf(server.socket().getLocalPort()));
        }
        Thread closer = new Thread(() -> closeOnEof(selector), "peer-churn");
        closer.setDaemon(true);
        closer.start();
        return String.join(",", ports);
    }

    /** Accepts on the churn ports; closes each connection once it reads its end of stream. */
    private static void closeOnEof(Selector selector) {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        try {
            while (true) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isAcceptable()) {
                        for (SocketChannel accepted; (accepted = ((ServerSocketChannel) key.channel()).accept()) != null; ) {
                            accepted.configureBlocking(false);
                            accepted.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel channel = (SocketChannel) key.channel();
                        buffer.clear();
                        int read;
                        try {
                            read = channel.read(buffer);
                        } catch (IOException reset) {
                            read = -1;
                        }
                        if (read < 0) {
                            key.cancel();
                            channel.close();
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException stopped) {
            // the peer is exiting
        }
    }

    private void acceptUntilClosed(ServerSocket server) {
        while (true) {
            try {
                Socket socket = server.accept();
                synchronized (this) {
                    held.add(socket);
                    notifyAll();
                }
            } catch (IOException stopped) {
                return;
            }
        }
    }

    private synchronized int await(int count) throws InterruptedException {
        while (held.size() < count) {
            wait();
        }
        return held.size();
    }

    private synchronized int close(int count) throws IOException {
        int done = 0;
        while (done < count && closed < held.size()) {
            held.get(closed++).close();
            done++;
        }
        return done;
    }
}
