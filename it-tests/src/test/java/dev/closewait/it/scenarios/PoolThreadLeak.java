package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** A socket leaked by a task on a named pool thread. */
public final class PoolThreadLeak {

    public static void main(String[] args) throws Exception {
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
            Thread t = new Thread(task, "orders-pool-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (ServerSocket server = Scenario.loopbackServer()) {
            Future<Socket> leaked = pool.submit(() -> fetchOrders(server.getLocalPort()));
            server.accept().close();
            Socket socket = leaked.get();
            Scenario.keep(socket);
            Scenario.awaitKernelState(socket.getLocalPort(), "08");
            Scenario.result("clientPort", socket.getLocalPort());
            Scenario.step("leaked");
        } finally {
            pool.shutdownNow();
        }
    }

    static Socket fetchOrders(int port) throws Exception {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }
}
