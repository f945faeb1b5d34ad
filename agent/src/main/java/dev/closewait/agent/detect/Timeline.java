package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLOSE_WAIT and FIN_WAIT_2 counts per remote over time, for the report's picture: one point per
 * scan, bounded. Past {@link #MAX_POINTS} points a remote's series is halved (two neighbours become
 * one at the first one's time, the higher counts kept) and its step doubles: from then on a point
 * stands for a step's worth of scans (their highest counts), so the series stays uniform and covers
 * ever longer spans, up to a day; points older than a day are dropped. At most {@link #MAX_REMOTES} remotes: when full, a new
 * one takes the place of one whose sockets are all gone, the one quiet longest; while none is, it
 * waits. Primitive arrays: about 4 KB per remote at most.
 */
final class Timeline {

    static final int MAX_POINTS = 240;
    static final int MAX_REMOTES = 128;
    static final long SPAN_MILLIS = 24 * 3_600_000L;

    private final Map<Endpoint, Series> series = new LinkedHashMap<>();

    /** One remote's points, oldest first: {@code size} of each array in use. */
    private static final class Series {
        final long[] at = new long[MAX_POINTS + 1];
        final int[] closeWait = new int[MAX_POINTS + 1];
        final int[] finWait2 = new int[MAX_POINTS + 1];
        int size;
        /** The time a point stands for: 0 (every scan) until the series is first halved. */
        long step;
        /** The counts of the last scan, which the last point may hold together with earlier ones. */
        int lastCloseWait = -1;
        int lastFinWait2 = -1;
        /** When a point last had a socket. */
        long lastBusyAt;

        boolean add(long now, int cw, int fw2) {
            boolean moved = lastCloseWait != cw || lastFinWait2 != fw2;
            lastCloseWait = cw;
            lastFinWait2 = fw2;
            if (size > 0 && now - at[size - 1] < step) {
                closeWait[size - 1] = Math.max(closeWait[size - 1], cw); // within the last point's step
                finWait2[size - 1] = Math.max(finWait2[size - 1], fw2);
            } else {
                at[size] = now;
                closeWait[size] = cw;
                finWait2[size] = fw2;
                size++;
            }
            if (cw != 0 || fw2 != 0) {
                lastBusyAt = now;
            }
            int old = 0;
            while (old < size && now - at[old] > SPAN_MILLIS) {
                old++;
            }
            if (old > 0) {
                shift(old);
            }
            if (size > MAX_POINTS) {
                halve();
            }
            return moved;
        }

        boolean quietNow() {
            return lastCloseWait == 0 && lastFinWait2 == 0;
        }

        private void shift(int old) {
            System.arraycopy(at, old, at, 0, size - old);
            System.arraycopy(closeWait, old, closeWait, 0, size - old);
            System.arraycopy(finWait2, old, finWait2, 0, size - old);
            size -= old;
        }

        private void halve() {
            int halved = 0;
            for (int i = 0; i + 1 < size; i += 2, halved++) {
                at[halved] = at[i];
                closeWait[halved] = Math.max(closeWait[i], closeWait[i + 1]);
                finWait2[halved] = Math.max(finWait2[i], finWait2[i + 1]);
            }
            if (size % 2 == 1) {
                at[halved] = at[size - 1];
                closeWait[halved] = closeWait[size - 1];
                finWait2[halved] = finWait2[size - 1];
                halved++;
            }
            size = halved;
            long meanGap = size > 1 ? (at[size - 1] - at[0]) / (size - 1) : 0;
            step = Math.max(step * 2, meanGap);
        }

        List<long[]> points() {
            List<long[]> points = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                points.add(new long[] {at[i], closeWait[i], finWait2[i]});
            }
            return points;
        }
    }

    /**
     * One scan's counts; remotes with a series and none now get a zero point, so their line comes
     * down. Returns whether any remote's counts differ from its point before.
     */
    boolean record(long now, Map<Endpoint, Integer> closeWait, Map<Endpoint, Integer> finWait2) {
        for (Map<Endpoint, Integer> counts : Arrays.asList(closeWait, finWait2)) {
            for (Endpoint remote : counts.keySet()) {
                if (!series.containsKey(remote) && (series.size() < MAX_REMOTES || evictQuiet(closeWait, finWait2))) {
                    series.put(remote, new Series());
                }
            }
        }
        boolean moved = false;
        for (Iterator<Map.Entry<Endpoint, Series>> it = series.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Endpoint, Series> entry = it.next();
            Series points = entry.getValue();
            moved |= points.add(now, closeWait.getOrDefault(entry.getKey(), 0), finWait2.getOrDefault(entry.getKey(), 0));
            if (now - points.lastBusyAt > SPAN_MILLIS) {
                it.remove(); // nothing there for a day
            }
        }
        return moved;
    }

    /** Drops the remote whose last socket went longest ago, if any has none now. */
    private boolean evictQuiet(Map<Endpoint, Integer> closeWait, Map<Endpoint, Integer> finWait2) {
        Endpoint quietest = null;
        long quietSince = Long.MAX_VALUE;
        for (Map.Entry<Endpoint, Series> entry : series.entrySet()) {
            Series points = entry.getValue();
            if (!points.quietNow() || closeWait.containsKey(entry.getKey()) || finWait2.containsKey(entry.getKey())) {
                continue; // made by this very scan, busy in it, or busy at the last
            }
            if (points.lastBusyAt < quietSince) {
                quietSince = points.lastBusyAt;
                quietest = entry.getKey();
            }
        }
        if (quietest == null) {
            return false;
        }
        series.remove(quietest);
        return true;
    }

    /** Copies of every remote's points, each {@code {epochMillis, closeWait, finWait2}}. */
    List<RemoteSeries> series() {
        List<RemoteSeries> views = new ArrayList<>();
        for (Map.Entry<Endpoint, Series> entry : series.entrySet()) {
            views.add(new RemoteSeries(entry.getKey(), entry.getValue().points()));
        }
        return views;
    }
}
