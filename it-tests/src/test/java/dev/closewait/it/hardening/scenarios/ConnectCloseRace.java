package dev.closewait.it.hardening.scenarios;

import dev.closewait.it.scenarios.Scenario;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that connect and close at once, thousands of times, racing the agent's open and close
 * events and its scans; the server closes each accepted socket at once too. Nothing is leaked.
 * Args: threads, connections per thread.
 */
public final class ConnectCloseRace {

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        int each = Integer.parseInt(args[1]);
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = Scenario.loopbackServer()) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (Exception closed) {
                        return;
                    }
                }
            }, "acceptor");
            acceptor.start();
            InetAddress loopback = server.getInetAddress();
            List<Thread> racers = new ArrayList<>();
            AtomicInteger connected = new AtomicInteger();
            long started = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                Thread racer = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        try (Socket socket = new Socket(loopback, server.getLocalPort())) {
                            connected.incrementAndGet();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }, "racer-" + t);
                racers.add(racer);
                racer.start();
            }
            for (Thread racer : racers) {
                racer.join();
            }
            while (accepted.get() < connected.get()) {
                Thread.sleep(10);
            }
            Scenario.result("connected", connected.get());
            Scenario.result("accepted", accepted.get());
            Scenario.result("millis", (System.nanoTime() - started) / 1_000_000);
            Scenario.step("raced");
        }
    }
}
