package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounded time series of the picture: a point per scan, halved when long, a day at most, room for newcomers. */
class TimelineTest {

    private static final long START = 1_700_000_000_000L;

    @Test
    void aLongSeriesIsHalvedKeepingItsPeaksAndItsSpan() {
        Timeline timeline = new Timeline();
        Endpoint db = remote(5432);
        for (int i = 0; i < 1000; i++) {
            timeline.record(START + i * 1000L, Map.of(db, i == 500 ? 99 : 1), Map.of());
        }
        long[][] points = timeline.series().get(0).points().toArray(new long[0][]);
        assertTrue(points.length <= Timeline.MAX_POINTS, "bounded: " + points.length);
        assertTrue(points.length >= Timeline.MAX_POINTS / 2, "not thinned further than needed: " + points.length);
        assertTrue(points[points.length - 1][0] > START + 990_000L,
                "the last point holds the latest scans: " + points[points.length - 1][0]);
        assertTrue(points[0][0] <= START + 8_000L, "the span still starts near the first scan: " + points[0][0]);
        long peak = 0;
        for (long[] point : points) {
            peak = Math.max(peak, point[1]);
        }
        assertEquals(99, peak, "a peak survives halving");
    }

    @Test
    void aDayOfScansEveryFiveSecondsCoversTheDayAtAUniformStep() {
        Timeline timeline = new Timeline();
        Endpoint db = remote(5432);
        long scans = 25 * 3600 / 5;
        for (long i = 0; i <= scans; i++) {
            timeline.record(START + i * 5000L, Map.of(db, (int) (i % 7)), Map.of(db, 1));
        }
        long[][] points = timeline.series().get(0).points().toArray(new long[0][]);
        long end = START + scans * 5000L;
        assertTrue(points.length <= Timeline.MAX_POINTS, "bounded: " + points.length);
        assertTrue(end - points[0][0] >= 23 * 3_600_000L, "the last day, not its last hours: the series starts "
                + (end - points[0][0]) / 60_000 + " min before the end");
        assertTrue(end - points[0][0] <= Timeline.SPAN_MILLIS, "no point older than a day");
        long minGap = Long.MAX_VALUE;
        long maxGap = 0;
        for (int i = 1; i < points.length - 1; i++) { // the last point may still be filling
            long gap = points[i][0] - points[i - 1][0];
            minGap = Math.min(minGap, gap);
            maxGap = Math.max(maxGap, gap);
        }
        assertTrue(maxGap <= 2 * minGap, "uniform: gaps from " + minGap + " to " + maxGap + " ms");
        for (long[] point : points) {
            assertEquals(6, point[1], "each point keeps the highest count of the scans it stands for");
        }
    }

    @Test
    void pointsOlderThanADayGoAndARemoteQuietForADayIsForgotten() {
        Timeline timeline = new Timeline();
        Endpoint db = remote(5432);
        timeline.record(START, Map.of(db, 3), Map.of());
        assertTrue(timeline.record(START + 1000, Map.of(), Map.of()), "3 to 0 moved");
        assertFalse(timeline.record(START + 2000, Map.of(), Map.of()), "0 to 0 did not");
        assertEquals(3, timeline.series().get(0).points().size());
        timeline.record(START + Timeline.SPAN_MILLIS + 1500, Map.of(), Map.of());
        assertTrue(timeline.series().isEmpty(), "the only busy point is older than a day");
    }

    @Test
    void whenFullANewRemoteTakesThePlaceOfTheOneQuietLongest() {
        Timeline timeline = new Timeline();
        for (int i = 0; i < Timeline.MAX_REMOTES; i++) {
            timeline.record(START + i, Map.of(remote(1000 + i), 1), Map.of());
        }
        assertEquals(Timeline.MAX_REMOTES, timeline.series().size());
        Endpoint newcomer = remote(9999);
        timeline.record(START + 10_000, Map.of(newcomer, 1, remote(1000), 1), Map.of());
        assertEquals(Timeline.MAX_REMOTES, timeline.series().size());
        assertTrue(timeline.series().stream().anyMatch(s -> s.remote().equals(newcomer)), "the newcomer is in");
        assertFalse(timeline.series().stream().anyMatch(s -> s.remote().equals(remote(1001))),
                "the remote quiet longest (busy last at its first point) made room");
        assertTrue(timeline.series().stream().anyMatch(s -> s.remote().equals(remote(1000))), "a busy one stays");
    }

    @Test
    void whileEveryRemoteIsBusyANewOneWaits() {
        Timeline timeline = new Timeline();
        Map<Endpoint, Integer> all = new java.util.HashMap<>();
        for (int i = 0; i < Timeline.MAX_REMOTES; i++) {
            all.put(remote(1000 + i), 1);
        }
        timeline.record(START, all, Map.of());
        all.put(remote(9999), 1);
        timeline.record(START + 1000, all, Map.of());
        assertFalse(timeline.series().stream().anyMatch(s -> s.remote().equals(remote(9999))));
    }

    private static Endpoint remote(int port) {
        return Endpoint.parse("10.0.0.7:" + port);
    }
}
