package dev.closewait.agent.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Findings that came past the cap of listed ones: counted per creation stack and remote endpoint,
 * so a leak storm from one line of code is one entry with its count, and the report stays small.
 * The entries are bounded too: past {@link #MAX_GROUPS}, the rest are counted in one.
 */
final class DroppedFindings {

    /** Distinct creation stack and remote pairs kept; more are counted together. */
    static final int MAX_GROUPS = 100;

    private final Map<List<Object>, Count> groups = new LinkedHashMap<>();
    private final Count others = new Count(List.of(), null);
    private long total;

    /** Findings of one creation stack to one remote endpoint that were not listed. */
    private static final class Count {
        final List<String> stack;
        final String remote;
        long count;
        long lastAt;

        Count(List<String> stack, String remote) {
            this.stack = stack;
            this.remote = remote;
        }
    }

    void count(List<String> stack, String remote, long now) {
        total++;
        List<Object> key = Arrays.asList(stack, remote);
        Count group = groups.get(key);
        if (group == null && groups.size() < MAX_GROUPS) {
            group = new Count(stack, remote);
            groups.put(key, group);
        }
        group = group == null ? others : group;
        group.count++;
        group.lastAt = now;
    }

    long total() {
        return total;
    }

    /** The groups, most findings first; the one of all other stacks and remotes last, if any. */
    List<DroppedGroup> groups() {
        List<DroppedGroup> views = new ArrayList<>();
        for (Count group : groups.values()) {
            views.add(new DroppedGroup(group.stack, group.remote, group.count, group.lastAt));
        }
        views.sort((a, b) -> Long.compare(b.count(), a.count()));
        if (others.count > 0) {
            views.add(new DroppedGroup(List.of(), null, others.count, others.lastAt));
        }
        return views;
    }
}
