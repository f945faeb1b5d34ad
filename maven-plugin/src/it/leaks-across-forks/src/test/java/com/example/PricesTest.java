package com.example;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PricesTest {

    @Test
    void readsTheStockAndClosesTheSocket() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            server.accept().close(); // the peer closes its side: the client's socket goes to CLOSE_WAIT
            assertEquals(-1, socket.getInputStream().read());
        } // and the client closes it: no leak
    }
}
