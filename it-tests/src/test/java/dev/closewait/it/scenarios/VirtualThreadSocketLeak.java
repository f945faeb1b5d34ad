package dev.closewait.it.scenarios;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A client socket opened on a virtual thread (JDK 21 and later, reached by reflection: the module
 * compiles for 17) whose peer closes; the application never closes it. Its results: the ports and
 * the id of the virtual thread that opened it.
 */
public final class VirtualThreadSocketLeak {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            ExecutorService virtualThreads = (ExecutorService) Executors.class
                    .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            long[] openedOn = new long[1];
            Future<Socket> opening = virtualThreads.submit(() -> {
                openedOn[0] = Thread.currentThread().getId();
                return openOrderConnection(server.getLocalPort());
            });
            Socket leaked = opening.get();
            virtualThreads.shutdown();
            Scenario.keep(leaked);
            try (Socket accepted = server.accept()) {
                // the server closes at once: FIN to the client
            }
            Scenario.awaitKernelState(leaked.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("clientPort", leaked.getLocalPort());
            Scenario.result("threadId", openedOn[0]);
            Scenario.step("leaked");
        }
    }

    static Socket openOrderConnection(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
