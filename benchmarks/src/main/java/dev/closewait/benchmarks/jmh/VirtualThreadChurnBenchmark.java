package dev.closewait.benchmarks.jmh;

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

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Connection churn from virtual threads (JDK 21+): one operation is {@value #CONNECTIONS} loopback
 * connections, each connected and closed by a virtual thread of its own, against a server that
 * accepts on a virtual thread and serves each connection on another, as a thread-per-request server
 * on virtual threads does. The agent's advice then runs on virtual threads, on as many carrier
 * threads as there are CPUs; whatever in it blocks or pins a carrier shows here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
public class VirtualThreadChurnBenchmark {

    /** Connections per operation. */
    public static final int CONNECTIONS = 20_000;

    private LoopbackAcceptor acceptor;

    @Setup(Level.Trial)
    public void startAcceptor() throws IOException {
        acceptor = LoopbackAcceptor.startOnVirtualThreads(VirtualThreads.newThreadPerTaskExecutor());
    }

    @TearDown(Level.Trial)
    public void stopAcceptor() throws IOException {
        acceptor.close();
    }

    @Benchmark
    public int connectAndCloseFromVirtualThreads() throws IOException, InterruptedException {
        return churn(CONNECTIONS);
    }

    /** Opens and closes {@code connections} connections, each from a virtual thread of its own; returns how many closed. */
    int churn(int connections) throws IOException, InterruptedException {
        AtomicInteger closed = new AtomicInteger();
        AtomicReference<IOException> failure = new AtomicReference<>();
        ExecutorService clients = VirtualThreads.newThreadPerTaskExecutor();
        for (int i = 0; i < connections; i++) {
            clients.execute(() -> {
                try {
                    acceptor.connect().close();
                    closed.incrementAndGet();
                } catch (IOException failed) {
                    failure.compareAndSet(null, failed);
                }
            });
        }
        clients.shutdown();
        if (!clients.awaitTermination(5, TimeUnit.MINUTES)) {
            clients.shutdownNow();
            throw new IOException("the virtual threads did not finish " + connections + " connections in 5 minutes");
        }
        if (failure.get() != null) {
            throw new IOException((connections - closed.get()) + " of " + connections + " connections failed",
                    failure.get());
        }
        return closed.get();
    }
}
