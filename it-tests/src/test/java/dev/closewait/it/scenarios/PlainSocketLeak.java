package dev.closewait.it.scenarios;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A client socket whose peer closes; the application never closes it. */
public final class PlainSocketLeak {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket leaked = openOrderConnection(server.getLocalPort());
            Scenario.keep(leaked);
            try (Socket accepted = server.accept()) {
                // the server closes at once: FIN to the client
            }
            Scenario.awaitKernelState(leaked.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("clientPort", leaked.getLocalPort());
            Scenario.result("serverPort", server.getLocalPort());
            Scenario.step("leaked");
        }
    }

    static Socket openOrderConnection(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
