package dev.closewait.benchmarks.jmh;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keep-alive benchmark measures what it says: many requests over few connections. */
class HttpKeepAliveBenchmarkTest {

    @Test
    void fourThreadsSendHundredsOfRequestsOverAHandfulOfConnections() throws Exception {
        HttpKeepAliveBenchmark benchmark = new HttpKeepAliveBenchmark();
        benchmark.start();
        ExecutorService threads = Executors.newFixedThreadPool(HttpKeepAliveBenchmark.CLIENT_THREADS);
        try {
            List<Callable<Integer>> clients = new ArrayList<>();
            for (int t = 0; t < HttpKeepAliveBenchmark.CLIENT_THREADS; t++) {
                clients.add(() -> {
                    int bytes = 0;
                    for (int i = 0; i < 100; i++) {
                        bytes += benchmark.get();
                    }
                    return bytes;
                });
            }
            for (Future<Integer> client : threads.invokeAll(clients)) {
                assertEquals(100 * HttpKeepAliveBenchmark.BODY_BYTES, client.get());
            }
            int connections = benchmark.connectionsAccepted();
            // 401 requests; without keep-alive there would be 401 connections.
            assertTrue(connections >= 1 && connections <= 2 * HttpKeepAliveBenchmark.CLIENT_THREADS,
                    connections + " connections for 401 requests");
        } finally {
            threads.shutdownNow();
            benchmark.stop();
        }
    }
}
