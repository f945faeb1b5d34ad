package com.example;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
class StockIT {

    /** Where the leaked socket stays reachable, as in an application that keeps it in a field. */
    static final List<Socket> OPEN = new ArrayList<>();

    @Test
    void readsTheStockAndForgetsTheSocket() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket socket = openAndForget(server.getLocalPort());
            server.accept().close(); // the peer closes its side: the client's socket goes to CLOSE_WAIT
            assertEquals(-1, socket.getInputStream().read());
        }
        Thread.sleep(1000); // the socket sits in CLOSE_WAIT for about a second before this JVM ends
    }

    static Socket openAndForget(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        OPEN.add(socket);
        return socket; // BUG: never closed
    }
}
