package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many threads connecting and closing at once, against acceptor threads that close what they
 * accept. Args: client threads, cycles per thread. Clients wait for the server's byte, then close
 * with SO_LINGER 0 (a reset) so tens of thousands of cycles leave no TIME_WAIT behind to exhaust
 * ephemeral ports.
 */
public final class ConcurrentChurn {

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        int cycles = Integer.parseInt(args[1]);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AtomicInteger accepted = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (ServerSocket server = Scenario.loopbackServer()) {
            List<Thread> acceptors = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread acceptor = new Thread(() -> {
                    while (!server.isClosed()) {
                        try {
                            try (Socket socket = server.accept()) {
                                socket.getOutputStream().write(1);
                            }
                            accepted.incrementAndGet();
                        } catch (Exception closing) {
                            return;
                        }
                    }
                }, "acceptor-" + i);
                acceptor.start();
                acceptors.add(acceptor);
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            long began = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                Thread client = new Thread(() -> {
                    try {
                        start.await();
                        for (int c = 0; c < cycles; c++) {
                            Socket socket = new Socket(loopback, server.getLocalPort());
                            socket.getInputStream().read(); // accepted: a reset can no longer drop it
                            socket.setSoLinger(true, 0);
                            socket.close();
                        }
                    } catch (Throwable t2) {
                        failure.compareAndSet(null, t2);
                    }
                }, "client-" + t);
                client.start();
                clients.add(client);
            }
            start.countDown();
            for (Thread client : clients) {
                client.join();
            }
            long expected = (long) threads * cycles;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (accepted.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Scenario.result("millis", (System.nanoTime() - began) / 1_000_000);
            Scenario.result("accepted", accepted.get());
            Scenario.result("failure", failure.get());
        }
    }
}
