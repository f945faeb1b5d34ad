package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Ends in the way args[0] says, after leaking a socket unless it says "clean": "return" (main
 * returns), "exit0", "exit5" (System.exit), "throw" (main dies of an exception). A shutdown hook
 * of the application's own prints a line, to prove it still runs to its end.
 */
public final class ExitAfterLeak {

    public static void main(String[] args) throws Exception {
        String how = args[0];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            System.out.println("RESULT applicationHook=done");
        }));
        if (!how.contains("clean")) {
            try (ServerSocket server = Scenario.loopbackServer()) {
                Socket leaked = openAndForget(server.getLocalPort());
                Scenario.keep(leaked);
                server.accept().close();
                Scenario.awaitKernelState(leaked.getLocalPort(), "08");
                Thread.sleep(1500); // past grace
            }
        }
        if (how.contains("exit0")) {
            System.exit(0);
        }
        if (how.contains("exit5")) {
            System.exit(5);
        }
        if (how.contains("throw")) {
            throw new IllegalStateException("the application failed on its own");
        }
    }

    static Socket openAndForget(int port) throws Exception {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
