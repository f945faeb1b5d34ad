package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkException;
import org.openjdk.jmh.runner.RunnerException;

import java.net.BindException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the suite says of a benchmark that failed. */
class FailureTextTest {

    @Test
    void aForksExceptionThatJmhKeepsAsSuppressedIsNamed() {
        BindException fork = new BindException("Cannot assign requested address");
        RunnerException failed = new RunnerException("Benchmark caught the exception",
                new BenchmarkException("Benchmark error during the run", List.of(fork, fork)));
        assertEquals("org.openjdk.jmh.runner.RunnerException: Benchmark caught the exception; "
                + "org.openjdk.jmh.runner.BenchmarkException: Benchmark error during the run; "
                + "java.net.BindException: Cannot assign requested address", FailureText.of(failed));
    }

    @Test
    void causesComeAfterTheirExceptionAndRepeatsAreNamedOnce() {
        IllegalStateException root = new IllegalStateException("no server");
        RuntimeException outer = new RuntimeException("setup failed", root);
        for (int i = 0; i < 10; i++) {
            outer.addSuppressed(new IllegalStateException("no server"));
        }
        assertEquals("java.lang.RuntimeException: setup failed; java.lang.IllegalStateException: no server",
                FailureText.of(outer));
    }

    @Test
    void atMostSoManyDistinctExceptionsAreNamed() {
        RuntimeException outer = new RuntimeException("outer");
        for (int i = 0; i < 20; i++) {
            outer.addSuppressed(new IllegalStateException("fork " + i));
        }
        assertEquals(FailureText.MOST, FailureText.of(outer).split("; ").length);
    }

    @Test
    void aMessageOfSeveralLinesBecomesOne() {
        assertEquals("java.io.IOException: 3 of 20000 connections failed: Connection refused",
                FailureText.of(new java.io.IOException("3 of 20000 connections failed:\n  Connection refused\n")));
    }

    @Test
    void anExceptionWithoutAMessageIsNamedByItsClass() {
        assertEquals("java.lang.NullPointerException", FailureText.of(new NullPointerException()));
    }
}
