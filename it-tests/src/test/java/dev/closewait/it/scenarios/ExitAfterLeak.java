package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Ends in the way args[0] says, after leaking a socket unless it says "clean": "return" (main
 * returns), "exit0", "exit5" (System.exit), "throw" (main dies of an exception), "renamed-throw"
 * (main renames itself, then dies so), "other-main" (a thread named "main" dies, main returns). A shutdown hook
 * of the application's own prints a line, to prove it still runs to its end. With "soon" (as in
 * "return-soon") main returns 1.5 s after the socket reached CLOSE_WAIT, long before the default grace.
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
                Scenario.awaitKernelState(leaked.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
                if (how.contains("soon")) {
                    Thread.sleep(1500); // ends 1.5 s later, well within the default grace: the exit scan's case
                    return;
                }
                // Past grace: the agent's report (leaks.json in the working directory) lists it.
                String local = "\"127.0.0.1:" + leaked.getLocalPort() + "\"";
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (!reportMentions(local) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
        }
        if (how.contains("exit0")) {
            System.exit(0);
        }
        if (how.contains("exit5")) {
            System.exit(5);
        }
        if (how.contains("other-main")) {
            // Another thread named "main" dies: not the thread that ran main, which returns.
            Thread impostor = new Thread(() -> {
                throw new IllegalStateException("a worker named main failed");
            }, "main");
            impostor.start();
            impostor.join();
            return;
        }
        if (how.contains("renamed")) {
            Thread.currentThread().setName("app-main"); // then throws: the launcher's 1 is its status still
        }
        if (how.contains("throw")) {
            throw new IllegalStateException("the application failed on its own");
        }
    }

    private static boolean reportMentions(String text) throws java.io.IOException {
        java.nio.file.Path report = java.nio.file.Path.of("leaks.json");
        return java.nio.file.Files.exists(report) && java.nio.file.Files.readString(report).contains(text);
    }

    static Socket openAndForget(int port) throws Exception {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
