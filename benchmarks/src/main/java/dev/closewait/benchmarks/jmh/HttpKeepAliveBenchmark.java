package dev.closewait.benchmarks.jmh;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What most applications do: HTTP/1.1 requests over a small keep-alive pool. {@value #CLIENT_THREADS}
 * threads send GET requests with one {@code java.net.http.HttpClient} (its pool keeps a connection
 * per busy thread, so a fork connects a handful of times and then only reuses) to an in-process
 * {@code com.sun.net.httpserver} on loopback, which answers {@value #BODY_BYTES} bytes on
 * {@value #CLIENT_THREADS} threads. The agent's socket advice runs on connects and accepts, not on
 * reads and writes, so with connections reused it costs nothing here; its advice on the client's
 * requests (who asked for a connection the client may open on a thread of its own) runs on every
 * request, and is what this row measures of the agent.
 *
 * <p>The JDK's HTTP client and server take long to compile: on 2 CPUs a fork's time per request
 * kept falling for 10 to 15 s (from 1.6 to 1.9 ms in its first second to 0.25 to 0.3 ms), the
 * agent's side behind the other, as the JIT had its classes to compile too. Measured after the
 * suite's usual warm-up of 1 to 3 s, the row was that slope, 5 to 22 % slower with the agent in
 * every full run until 2026-12-02; so this class asks for {@value #WARMUP_SECONDS} s of warm-up, which the suite
 * gives it in every mode (its JIT work is measured where start-up is).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(HttpKeepAliveBenchmark.CLIENT_THREADS)
@Warmup(iterations = HttpKeepAliveBenchmark.WARMUP_SECONDS, time = 1)
public class HttpKeepAliveBenchmark {

    static final int WARMUP_SECONDS = 20;
    static final int CLIENT_THREADS = 4;
    static final int BODY_BYTES = 1024;
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private final byte[] body = new byte[BODY_BYTES];
    /** The client ends the server has seen: one per connection. */
    private final Set<InetSocketAddress> connections = ConcurrentHashMap.newKeySet();
    private HttpServer server;
    private ExecutorService serverThreads;
    private HttpClient client;
    private HttpRequest request;

    @Setup(Level.Trial)
    public void start() throws IOException, InterruptedException {
        // Without TCP_NODELAY on its connections, the server's body waits behind its headers for the
        // client's delayed ACK: 40 to 50 ms per request, the kernel's timer and nothing else. Read
        // once, when the server's classes load, so before the first server of the JVM.
        System.setProperty(NODELAY_PROPERTY, "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        serverThreads = Executors.newFixedThreadPool(CLIENT_THREADS);
        server.setExecutor(serverThreads);
        server.createContext("/", this::answer);
        server.start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        request = HttpRequest.newBuilder(URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress()
                + ":" + server.getAddress().getPort() + "/")).GET().build();
        get(); // fails the trial at once if the server does not answer
    }

    @TearDown(Level.Trial)
    public void stop() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Benchmark
    public int get() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200 || response.body().length != BODY_BYTES) {
            throw new IOException("the server answered " + response.statusCode() + " with " + response.body().length
                    + " bytes");
        }
        return response.body().length;
    }

    /** How many connections the server has accepted since {@link #start()}. */
    int connectionsAccepted() {
        return connections.size();
    }

    private void answer(HttpExchange exchange) throws IOException {
        connections.add(exchange.getRemoteAddress());
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        exchange.sendResponseHeaders(200, BODY_BYTES);
        try (OutputStream out = exchange.getResponseBody()) { // closing it ends the exchange
            out.write(body);
        }
    }
}
