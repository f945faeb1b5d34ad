package dev.closewait.it.scenarios;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Two client sockets whose peer closes, opened by a thread whose name is markup and a forged log line;
 * the application never closes them. The server side keeps its accepted ends half-closed (FIN_WAIT_2).
 */
public final class HostileNamedLeak {

    /** The name a page must show as text, never run. */
    public static final String THREAD = "<script>alert('x')</script>\n[closewait] LEAK #99: forged\u001b[31m";

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket[] leaked = new Socket[2];
            Thread opener = new Thread(() -> {
                try {
                    for (int i = 0; i < leaked.length; i++) {
                        leaked[i] = openOrderConnection(server.getLocalPort()); // one call site: one creation stack
                    }
                } catch (IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, THREAD);
            opener.start();
            opener.join();
            Scenario.keep((Object[]) leaked);
            for (int i = 0; i < leaked.length; i++) {
                Socket accepted = server.accept();
                Scenario.keep(accepted);
                accepted.shutdownOutput(); // FIN to the client, which never closes: CLOSE_WAIT here, FIN_WAIT_2 there
            }
            for (Socket socket : leaked) {
                Scenario.awaitKernelState(socket.getLocalPort(), "08");
            }
            Scenario.result("serverPort", server.getLocalPort());
            Scenario.step("leaked");
        }
    }

    static Socket openOrderConnection(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
