package dev.closewait.it.scenarios;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A JVM started without the agent: it leaks one socket, waits (the test attaches the agent), leaks
 * a second, waits, opens and closes a few more (nothing to report), and exits when told.
 */
public final class AttachTarget {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket first = openFirst(server.getLocalPort());
            Scenario.keep(first);
            server.accept().close();
            Scenario.awaitKernelState(first.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.result("firstPort", first.getLocalPort());
            Scenario.step("first-leaked");

            Socket second = openSecond(server.getLocalPort());
            Scenario.keep(second);
            server.accept().close();
            Scenario.awaitKernelState(second.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("secondPort", second.getLocalPort());
            for (int i = 0; i < 5; i++) {
                try (Socket proper = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
                     Socket peer = server.accept()) {
                    peer.getOutputStream().write(1);
                    proper.getInputStream().read();
                }
            }
            Scenario.step("second-leaked");
        }
    }

    static Socket openFirst(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }

    static Socket openSecond(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
