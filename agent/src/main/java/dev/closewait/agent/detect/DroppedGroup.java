package dev.closewait.agent.detect;

import java.util.List;

/**
 * Findings not listed because the cap of listed findings was reached, of one creation stack to one
 * remote endpoint: an immutable value for reports. The group of every other stack and remote, past
 * the number of groups kept, has no stack and no remote.
 */
public final class DroppedGroup {

    private final List<String> stack;
    private final String remote;
    private final long count;
    private final long lastAt;

    public DroppedGroup(List<String> stack, String remote, long count, long lastAt) {
        this.stack = List.copyOf(stack);
        this.remote = remote;
        this.count = count;
        this.lastAt = lastAt;
    }

    /** The creation stack they share; empty for the group of all others. */
    public List<String> stack() {
        return stack;
    }

    /** The remote endpoint they share, as {@code ip:port}; {@code null} for the group of all others. */
    public String remote() {
        return remote;
    }

    public long count() {
        return count;
    }

    /** When the last of them was found (epoch millis). */
    public long lastAt() {
        return lastAt;
    }
}
