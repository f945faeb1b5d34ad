package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A client that reads until EOF and closes its socket at once (through its input stream), and
 * an idle connection that stays established: neither is a leak.
 */
public final class PromptCloseAfterEof {

    public static void main(String[] args) throws Exception {
        long waitMillis = Long.parseLong(args[0]);
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket client = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
            Socket accepted = server.accept();
            accepted.getOutputStream().write("bye".getBytes());
            accepted.close();
            int read = Scenario.drain(client.getInputStream());
            client.getInputStream().close(); // closing a stream closes the socket
            Scenario.result("read", read);
            Scenario.result("closedPort", client.getLocalPort());

            Socket idle = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
            Socket idlePeer = server.accept();
            Scenario.result("idlePort", idle.getLocalPort());
            Thread.sleep(waitMillis); // well past grace: the idle pair stays ESTABLISHED
            Scenario.result("idleState", Scenario.kernelState(idle.getLocalPort()));
            Scenario.step("waited");
            idle.close();
            idlePeer.close();
        }
    }
}
