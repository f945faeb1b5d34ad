package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness smoke test: JMH's annotation processor generated every benchmark the suite runs. */
class BenchmarkListTest {

    @Test
    void everyBenchmarkTheSuiteRunsWasGeneratedByJmh() throws IOException {
        String list;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList is missing: the JMH annotation processor did not run");
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String benchmark : new String[] {"SocketChurnBenchmark_connectAndClose_",
                "SocketChurnBenchmark_connectAndCloseOnEightThreads_", "SteadyIoBenchmark_pingPong_",
                "JdbcChurnBenchmark_connectQueryClose_",
                "VirtualThreadChurnBenchmark_connectAndCloseFromVirtualThreads_", "HttpKeepAliveBenchmark_get_"}) {
            assertTrue(list.contains(benchmark), benchmark + " not in " + list);
        }
    }
}
