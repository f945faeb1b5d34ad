package dev.closewait.it.scenarios;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One JVM of a fleet, as its dashboard should see it: a socket the application leaked in
 * CLOSE_WAIT, an idle connection in the JDK's HttpURLConnection keep-alive cache whose server
 * closed it, and local ports held towards one remote ({@code args[0]} connections kept open,
 * {@code args[1]} more opened and closed, each then in TIME_WAIT).
 */
public final class ScrapedFleetMember {

    /** How long the HTTP server keeps an idle connection, while its Keep-Alive header promises 60 s. */
    private static final int SERVER_IDLE_MILLIS = 100;

    public static void main(String[] args) throws Exception {
        int held = Integer.parseInt(args[0]);
        int churned = Integer.parseInt(args[1]);
        ExecutorService servers = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "loopback-server");
            thread.setDaemon(true);
            return thread;
        });
        try (ServerSocket orders = Scenario.loopbackServer();
             ServerSocket http = Scenario.loopbackServer();
             ServerSocket stock = Scenario.loopbackServer()) {
            Socket leaked = openOrderConnection(orders.getLocalPort());
            Scenario.keep(leaked);
            try (Socket accepted = orders.accept()) {
                // the server closes at once: FIN to the client, which never closes
            }
            Scenario.awaitKernelState(leaked.getLocalPort(), orders.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("leakPort", leaked.getLocalPort());

            CompletableFuture<Integer> httpClientPort = CompletableFuture.supplyAsync(() -> serveOnce(http), servers);
            fetchStock(http.getLocalPort());
            int pooledPort = httpClientPort.get(10, TimeUnit.SECONDS);
            Scenario.awaitKernelState(pooledPort, http.getLocalPort(), KernelTcpTable.CLOSE_WAIT);
            Scenario.result("pooledPort", pooledPort);

            servers.execute(() -> drainEach(stock, servers));
            List<Socket> open = new ArrayList<>();
            for (int i = 0; i < held; i++) {
                open.add(new Socket(InetAddress.getByName("127.0.0.1"), stock.getLocalPort()));
            }
            Scenario.keep(open.toArray());
            for (int i = 0; i < churned; i++) {
                try (Socket once = new Socket(InetAddress.getByName("127.0.0.1"), stock.getLocalPort())) {
                    once.getOutputStream().write('q'); // this side closes first: its port waits in TIME_WAIT
                }
            }
            Scenario.result("stockPort", stock.getLocalPort());
            // The kernel's own count, in this JVM's network namespace, once the server has closed its
            // ends (until then the churned ports wait in FIN_WAIT_2): on a busy machine a churned
            // connection's TIME_WAIT may land on the server's side instead.
            long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (KernelTcpTable.rowsTowards(stock.getLocalPort(), KernelTcpTable.TIME_WAIT) < churned
                    && System.nanoTime() < settled) {
                Thread.sleep(10);
            }
            Scenario.result("timeWait", KernelTcpTable.rowsTowards(stock.getLocalPort(), KernelTcpTable.TIME_WAIT));
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.step("ready");
        }
    }

    static Socket openOrderConnection(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }

    /** A GET whose response is read to its end: the JDK keeps the connection in its keep-alive cache. */
    static void fetchStock(int port) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/stock").openConnection();
        try (InputStream body = connection.getInputStream()) {
            body.readAllBytes();
        }
        if (connection.getResponseCode() != 200) {
            throw new IllegalStateException("the stock server answered " + connection.getResponseCode());
        }
    }

    /**
     * Answers one request with a keep-alive response, then closes the connection once it has been
     * idle {@link #SERVER_IDLE_MILLIS}: sooner than the client's cache lets it go. Returns the client's port.
     */
    private static int serveOnce(ServerSocket server) {
        try (Socket client = server.accept()) {
            InputStream in = client.getInputStream();
            readRequestHead(in);
            OutputStream out = client.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                    + "Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            client.setSoTimeout(SERVER_IDLE_MILLIS);
            try {
                if (in.read() >= 0) {
                    throw new IllegalStateException("the client sent a second request");
                }
            } catch (SocketTimeoutException idle) {
                // idle long enough: close it
            }
            return client.getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended before its head did");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    /** Accepts connections for ever; reads each to its end, then closes it. */
    private static void drainEach(ServerSocket server, ExecutorService threads) {
        try {
            while (true) {
                Socket accepted = server.accept();
                threads.execute(() -> {
                    try (Socket connection = accepted) {
                        Scenario.drain(connection.getInputStream());
                    } catch (IOException ignored) {
                        // the scenario ends
                    }
                });
            }
        } catch (IOException closed) {
            // the scenario ends
        }
    }
}
