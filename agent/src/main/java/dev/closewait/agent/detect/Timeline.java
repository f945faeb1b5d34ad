package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLOSE_WAIT and FIN_WAIT_2 counts per remote over time, for the report's picture: one point per
 * scan, bounded. Past {@link #MAX_POINTS} points a remote's series is halved (two neighbours become
 * one at the first one's time, the higher counts kept), so it covers ever longer spans at a coarser step; points older than
 * a day are dropped. At most {@link #MAX_REMOTES} remotes: when full, a new one takes the place of
 * one whose sockets are all gone, the one quiet longest; while none is, it waits.
 */
final class Timeline {

    static final int MAX_POINTS = 240;
    static final int MAX_REMOTES = 128;
    static final long SPAN_MILLIS = 24 * 3_600_000L;

    private final Map<Endpoint, List<long[]>> series = new LinkedHashMap<>();

    /**
     * One scan's counts; remotes with a series and none now get a zero point, so their line comes
     * down. Returns whether any remote's counts differ from its point before.
     */
    boolean record(long now, Map<Endpoint, Integer> closeWait, Map<Endpoint, Integer> finWait2) {
        for (Map<Endpoint, Integer> counts : List.of(closeWait, finWait2)) {
            for (Endpoint remote : counts.keySet()) {
                if (!series.containsKey(remote) && (series.size() < MAX_REMOTES || evictQuiet(closeWait, finWait2))) {
                    series.put(remote, new ArrayList<>());
                }
            }
        }
        boolean moved = false;
        for (java.util.Iterator<Map.Entry<Endpoint, List<long[]>>> it = series.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Endpoint, List<long[]>> entry = it.next();
            List<long[]> points = entry.getValue();
            long[] point = {now, closeWait.getOrDefault(entry.getKey(), 0), finWait2.getOrDefault(entry.getKey(), 0)};
            long[] before = points.isEmpty() ? null : points.get(points.size() - 1);
            moved |= before == null || before[1] != point[1] || before[2] != point[2];
            points.add(point);
            points.removeIf(old -> now - old[0] > SPAN_MILLIS);
            if (points.stream().allMatch(old -> old[1] == 0 && old[2] == 0)) {
                it.remove(); // nothing there for a day
            } else if (points.size() > MAX_POINTS) {
                halve(points);
            }
        }
        return moved;
    }

    /** Drops the remote whose last socket went longest ago, if any has none now. */
    private boolean evictQuiet(Map<Endpoint, Integer> closeWait, Map<Endpoint, Integer> finWait2) {
        Endpoint quietest = null;
        long quietSince = Long.MAX_VALUE;
        for (Map.Entry<Endpoint, List<long[]>> entry : series.entrySet()) {
            List<long[]> points = entry.getValue();
            if (points.isEmpty() || closeWait.containsKey(entry.getKey()) || finWait2.containsKey(entry.getKey())) {
                continue; // made by this very scan, or busy in it
            }
            long[] latest = points.get(points.size() - 1);
            if (latest[1] != 0 || latest[2] != 0) {
                continue;
            }
            long lastBusy = 0;
            for (long[] point : points) {
                if (point[1] != 0 || point[2] != 0) {
                    lastBusy = point[0];
                }
            }
            if (lastBusy < quietSince) {
                quietSince = lastBusy;
                quietest = entry.getKey();
            }
        }
        if (quietest == null) {
            return false;
        }
        series.remove(quietest);
        return true;
    }

    private static void halve(List<long[]> points) {
        List<long[]> halved = new ArrayList<>();
        for (int i = 0; i + 1 < points.size(); i += 2) {
            long[] a = points.get(i);
            long[] b = points.get(i + 1);
            halved.add(new long[] {a[0], Math.max(a[1], b[1]), Math.max(a[2], b[2])});
        }
        if (points.size() % 2 == 1) {
            halved.add(points.get(points.size() - 1));
        }
        points.clear();
        points.addAll(halved);
    }

    List<RemoteSeries> series() {
        List<RemoteSeries> views = new ArrayList<>();
        for (Map.Entry<Endpoint, List<long[]>> entry : series.entrySet()) {
            List<long[]> copy = new ArrayList<>();
            for (long[] point : entry.getValue()) {
                copy.add(point.clone());
            }
            views.add(new RemoteSeries(entry.getKey(), copy));
        }
        return views;
    }
}
