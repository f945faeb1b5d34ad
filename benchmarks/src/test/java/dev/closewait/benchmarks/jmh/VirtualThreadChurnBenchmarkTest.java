package dev.closewait.benchmarks.jmh;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtual-thread churn on the JDK that runs the build: real connections from virtual threads
 * on JDK 21 and later; on JDK 17, the reason the suite then gives for skipping it.
 */
class VirtualThreadChurnBenchmarkTest {

    private static final boolean VIRTUAL_THREADS_EXPECTED = Runtime.version().feature() >= 21;

    @Test
    void virtualThreadsAreFoundExactlyOnJdk21AndLater() {
        assertEquals(VIRTUAL_THREADS_EXPECTED, VirtualThreads.available());
    }

    @Test
    void connectsAndClosesEveryConnectionFromVirtualThreadsOrSaysWhyItCannot() throws Exception {
        VirtualThreadChurnBenchmark benchmark = new VirtualThreadChurnBenchmark();
        if (VIRTUAL_THREADS_EXPECTED) {
            benchmark.startAcceptor();
            try {
                assertEquals(2_000, benchmark.churn(2_000));
            } finally {
                benchmark.stopAcceptor();
            }
        } else {
            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                    benchmark::startAcceptor);
            assertTrue(refused.getMessage().contains("need JDK 21 or later"), refused.getMessage());
            assertTrue(refused.getMessage().contains(System.getProperty("java.home")), refused.getMessage());
        }
    }
}
