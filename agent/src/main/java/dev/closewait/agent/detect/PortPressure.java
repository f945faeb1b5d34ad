package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.RemoteActivity;
import dev.closewait.agent.track.StackFrames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per remote endpoint: how many local ports this JVM holds there in each state, how fast it opens
 * connections over the last minute or so (and from which stacks, estimated from a sample), and what
 * share of the ephemeral port range that is. Past half the range, a warning says how soon it runs out at the current rate.
 */
final class PortPressure {

    /** Share of the range past which a remote gets a warning. */
    static final double WARNING_SHARE = 0.5;
    private static final int SHOWN = 20;
    private static final int TOP_STACKS = 3;

    /** How far back the rates look. */
    static final long WINDOW_MILLIS = 60_000;

    /** Per remote, the updates of the last {@link #WINDOW_MILLIS} and the one before: {time, opens, ports in use}. */
    private final Map<Endpoint, List<long[]>> history = new HashMap<>();

    /**
     * @param open      this JVM's open sockets per remote (any state)
     * @param closeWait and {@code finWait2}: this JVM's sockets in those states per remote
     * @param timeWait  the TIME_WAIT rows of the namespace
     */
    List<PortPressureEntry> update(long now, Iterable<RemoteActivity> activity, Map<Endpoint, Integer> open,
                                   Map<Endpoint, Integer> closeWait, Map<Endpoint, Integer> finWait2,
                                   Map<Endpoint, Integer> finWait2Owned, List<TcpConnection> timeWait, int range,
                                   StackFrames frames) {
        Map<Endpoint, RemoteActivity> byRemote = new HashMap<>();
        for (RemoteActivity there : activity) {
            if (!there.accepted()) { // an accepted connection's local port is the listening one
                byRemote.put(there.remote(), there);
            }
        }
        Map<Endpoint, Integer> waiting = new HashMap<>();
        for (TcpConnection row : timeWait) {
            RemoteActivity there = byRemote.get(row.remote());
            if (there != null && there.usedPort(row.local().port())) {
                waiting.merge(row.remote(), 1, Integer::sum);
            }
        }
        List<PortPressureEntry> entries = new ArrayList<>();
        history.keySet().retainAll(byRemote.keySet());
        for (RemoteActivity there : byRemote.values()) {
            Endpoint remote = there.remote();
            int cw = closeWait.getOrDefault(remote, 0);
            int fw2 = finWait2.getOrDefault(remote, 0);
            int established = Math.max(0, open.getOrDefault(remote, 0) - cw - finWait2Owned.getOrDefault(remote, 0));
            int tw = waiting.getOrDefault(remote, 0);
            long opens = there.opens();
            int inUse = established + cw + fw2 + tw;
            List<long[]> past = history.computeIfAbsent(remote, r -> new ArrayList<>());
            if (past.isEmpty()) {
                past.add(new long[] {there.since(), 0, 0}); // nothing was open there before the first open
            }
            past.add(new long[] {now, opens, inUse});
            while (past.size() > 2 && now - past.get(1)[0] >= WINDOW_MILLIS) {
                past.remove(0); // keep the newest update at least a window old, and what follows
            }
            long[] before = past.get(0);
            double perMinute = now <= before[0] ? 0 : (opens - before[1]) * 60_000.0 / (now - before[0]);
            double growthPerMinute = now <= before[0] ? 0 : (inUse - before[2]) * 60_000.0 / (now - before[0]);
            if (inUse == 0 && perMinute == 0) {
                continue;
            }
            List<PortPressureEntry.TopStack> top = topStacks(there, perMinute, frames);
            double share = range == 0 ? 0 : (double) inUse / range;
            String warning = share < WARNING_SHARE ? null : warning(inUse, range, perMinute, growthPerMinute);
            entries.add(new PortPressureEntry(remote, established, cw, fw2, tw, range, perMinute, top, warning));
        }
        entries.sort((a, b) -> Integer.compare(b.portsInUse(), a.portsInUse()));
        return entries.size() > SHOWN ? new ArrayList<>(entries.subList(0, SHOWN)) : entries;
    }

    private static List<PortPressureEntry.TopStack> topStacks(RemoteActivity there, double perMinute, StackFrames frames) {
        List<List<String>> sampled = there.sampledStacks(frames);
        Map<List<String>, Integer> counts = new HashMap<>();
        for (List<String> stack : sampled) {
            counts.merge(stack, 1, Integer::sum);
        }
        List<Map.Entry<List<String>, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));
        List<PortPressureEntry.TopStack> top = new ArrayList<>();
        for (int i = 0; i < sorted.size() && i < TOP_STACKS; i++) {
            top.add(new PortPressureEntry.TopStack(sorted.get(i).getKey(),
                    perMinute * sorted.get(i).getValue() / sampled.size()));
        }
        return top;
    }

    /**
     * {@code 16,400 of 28,232 ephemeral ports in use (58 %); at 12,000 opens a minute they run out in
     * about 1 min}. Which stack opens most is {@code topStacks}' first: renderers name its frame.
     */
    private static String warning(int inUse, int range, double perMinute, double growthPerMinute) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%,d of %,d ephemeral ports in use (%d %%)",
                inUse, range, Math.round(100.0 * inUse / range)));
        if (growthPerMinute > 0) {
            double minutes = (range - inUse) / growthPerMinute;
            text.append(String.format(Locale.ROOT, "; at %,.0f opens a minute they run out in %s", perMinute,
                    minutes < 1 ? "less than a minute" : "about " + Math.round(minutes) + " min"));
        } else {
            text.append(String.format(Locale.ROOT, "; %,.0f opens a minute, not growing now", perMinute));
        }
        return text.toString();
    }
}
