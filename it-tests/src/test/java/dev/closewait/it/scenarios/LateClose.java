package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A socket left in CLOSE_WAIT past grace, then closed by the application: closed late. */
public final class LateClose {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
            server.accept().close();
            Scenario.awaitKernelState(socket.getLocalPort(), "08");
            Scenario.result("clientPort", socket.getLocalPort());
            Scenario.step("leaked");
            socket.close();
            Scenario.step("closed");
        }
    }
}
