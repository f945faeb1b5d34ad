package dev.closewait.agent.detect;

import java.util.List;

/** What one scan changed: new findings, and earlier findings whose status changed. */
public final class ScanOutcome {

    /** A scan that changed nothing. */
    public static final ScanOutcome NONE = new ScanOutcome(List.of(), List.of());

    private final List<Finding> found;
    private final List<Finding> changed;

    ScanOutcome(List<Finding> found, List<Finding> changed) {
        this.found = List.copyOf(found);
        this.changed = List.copyOf(changed);
    }

    /** Sockets that became findings in this scan. */
    public List<Finding> found() {
        return found;
    }

    /** Earlier findings with a new status (closed late, reclaimed, orphaned). */
    public List<Finding> changed() {
        return changed;
    }

    /** Whether the report must be rewritten. */
    public boolean hasChanges() {
        return !found.isEmpty() || !changed.isEmpty();
    }
}
