package dev.closewait.benchmarks.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * </ul>
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
            } else {
                System.out.println("unknown command: " + line);
            }
            System.out.flush();
        }
        System.exit(0);
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
