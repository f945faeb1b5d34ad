package dev.closewait.benchmarks.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A hello-world {@code main} for the start-up measurement: it says it has started, then makes its
 * first loopback connection and says so too. The agent instruments the socket classes when they
 * first load, so the second line shows what start-up costs an application that opens a socket at once.
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println("main");
        System.out.flush();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            System.out.println("connected");
        }
    }
}
