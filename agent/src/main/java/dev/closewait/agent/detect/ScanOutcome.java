package dev.closewait.agent.detect;

import java.util.List;

/**
 * What one scan changed: new findings, earlier findings whose status changed, and news of the
 * picture beyond them (peers newly seen not finishing their close, port-pressure warnings that
 * began), with whether the report's picture is due to be written again.
 */
public final class ScanOutcome {

    /** A scan that changed nothing. */
    public static final ScanOutcome NONE = new ScanOutcome(List.of(), List.of());

    private final List<Finding> found;
    private final List<Finding> changed;
    private final List<PeerNotClosing> newPeers;
    private final List<PortPressureEntry> newWarnings;
    private final boolean pictureDue;

    ScanOutcome(List<Finding> found, List<Finding> changed) {
        this(found, changed, List.of(), List.of(), false);
    }

    ScanOutcome(List<Finding> found, List<Finding> changed, List<PeerNotClosing> newPeers,
                List<PortPressureEntry> newWarnings, boolean pictureDue) {
        this.found = List.copyOf(found);
        this.changed = List.copyOf(changed);
        this.newPeers = List.copyOf(newPeers);
        this.newWarnings = List.copyOf(newWarnings);
        this.pictureDue = pictureDue;
    }

    /** Sockets that became findings in this scan. */
    public List<Finding> found() {
        return found;
    }

    /** Earlier findings with a new status (closed late, reclaimed, orphaned). */
    public List<Finding> changed() {
        return changed;
    }

    /** Peers this scan found not finishing their close, that no scan since they last cleared had. */
    public List<PeerNotClosing> newPeers() {
        return newPeers;
    }

    /** Remotes whose port-pressure warning began in this scan. */
    public List<PortPressureEntry> newWarnings() {
        return newWarnings;
    }

    /**
     * Whether the report must be rewritten: new findings or changes, news, a picture that moved,
     * or findings counted but not listed (past {@code maxFindings}, or ignored).
     */
    public boolean hasChanges() {
        return !found.isEmpty() || !changed.isEmpty() || !newPeers.isEmpty() || !newWarnings.isEmpty() || pictureDue;
    }
}
