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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Connection churn: a loopback connect and close against an in-process acceptor, the path the
 * agent instruments (connect and accept are tracked, close untracks). Run on one client thread with
 * one accepting thread, and on eight client threads with eight accepting threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SocketChurnBenchmark {

    private LoopbackAcceptor acceptor;

    @Setup(Level.Trial)
    public void startAcceptor(BenchmarkParams params) throws IOException {
        acceptor = LoopbackAcceptor.start(params.getThreads());
    }

    @TearDown(Level.Trial)
    public void stopAcceptor() throws IOException {
        acceptor.close();
    }

    /** One client thread. */
    @Benchmark
    @Threads(1)
    public void connectAndClose() throws IOException {
        churnOnce();
    }

    /** Eight client threads and eight accepting threads on two cores: contention in the agent shows here. */
    @Benchmark
    @Threads(8)
    public void connectAndCloseOnEightThreads() throws IOException {
        churnOnce();
    }

    private void churnOnce() throws IOException {
        acceptor.connect().close();
    }
}
