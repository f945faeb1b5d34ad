package dev.closewait.benchmarks;

import dev.closewait.benchmarks.jmh.HttpKeepAliveBenchmark;
import dev.closewait.benchmarks.jmh.SocketChurnBenchmark;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentComparisonTest {

    @Test
    void aBenchmarkThatAsksForALongerWarmUpGetsItInEveryMode() {
        Warmup asked = HttpKeepAliveBenchmark.class.getAnnotation(Warmup.class);
        assertNotNull(asked, "the keep-alive benchmark asks for its warm-up with @Warmup");
        for (SuiteMode mode : SuiteMode.values()) {
            int iterations = AgentComparison.warmupIterations(HttpKeepAliveBenchmark.class, mode);
            assertEquals(asked.iterations() * asked.time(), iterations * mode.warmupSeconds, mode.name());
            assertTrue(iterations > mode.warmupIterations, mode.name());
        }
    }

    @Test
    void otherBenchmarksWarmUpAsTheModeSays() {
        for (SuiteMode mode : SuiteMode.values()) {
            assertEquals(mode.warmupIterations, AgentComparison.warmupIterations(SocketChurnBenchmark.class, mode),
                    mode.name());
        }
    }
}
