package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * An application whose own Socket subclass throws from {@code getInetAddress()}, which the agent
 * calls while tracking: the agent must turn itself off with one warning, and the application must
 * never notice (its connects and closes keep working). Waits at the end while the test asks for
 * the live report.
 */
public final class FaultySocketSubclass {

    static final class Hostile extends Socket {
        @Override
        public InetAddress getInetAddress() {
            throw new IllegalStateException("this application's socket refuses to tell its address");
        }
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Hostile hostile = new Hostile();
            hostile.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 2000);
            server.accept().close();
            hostile.close();
            int ok = 0;
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", server.getLocalPort()); Socket a = server.accept()) {
                    ok++;
                }
            }
            Scenario.result("hostileConnected", hostile.isConnected());
            Scenario.result("connectsAfterFault", ok);
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.step("faulted"); // the test asks the disabled agent for its live report
        }
    }
}
