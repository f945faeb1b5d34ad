package dev.closewait.benchmarks.probe;

import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The probes read a few of the scanner's private fields by reflection; a rename in the agent
 * breaks them only when the suite runs, long after the build. This finds them in the built agent.
 */
class ProbeReflectionTest {

    private final CloseWaitScanner scanner = new CloseWaitScanner(new SocketRegistry(Clock.systemUTC()), null,
            Clock.systemUTC(), 10_000, 1000, new StackFrames(), message -> { });

    @Test
    void theSeriesMemoryProbeFindsTheScannersSeries() throws ReflectiveOperationException {
        assertEquals("0 0 0", SeriesMemoryProbe.seriesArrays(scanner), "no series before a scan");
    }

    @Test
    void theScanStatesProbeFindsTheScannersTimeWaitReadCounters() throws IllegalAccessException {
        assertEquals(0, ScanStatesProbe.timeWaitReads(scanner));
        assertEquals(long[].class, ScanStatesProbe.field("recentTimeWaitReadNanos").get(scanner).getClass());
    }
}
