package dev.closewait.agent.detect;

import dev.closewait.agent.track.JdbcFailure;

import java.util.List;

/** Everything a report shows, taken at one instant: the counts and every listed finding so far. */
public final class LeakReport {

    /** {@link #graceMillis()} of a report read back from a file, which does not say. */
    public static final long GRACE_UNKNOWN = -1;

    private final long pid;
    private final long generatedAt;
    private final long tracked;
    private final long open;
    private final long graceMillis;
    private final List<Finding> leaks;
    private final List<JdbcFailure> jdbcConnectFailures;
    private final long ignored;
    private final long dropped;
    private final List<DroppedGroup> droppedGroups;
    private final List<PeerNotClosing> peersNotClosing;
    private final List<PortPressureEntry> portPressure;
    private final List<RemoteSeries> series;

    /** A report of these findings and counts, with nothing else (no JDBC failures, none left out). */
    public LeakReport(long pid, long generatedAt, long tracked, long open, long graceMillis, List<Finding> leaks) {
        this(builder(pid, generatedAt).tracked(tracked).open(open).graceMillis(graceMillis).leaks(leaks));
    }

    private LeakReport(Builder b) {
        this.pid = b.pid;
        this.generatedAt = b.generatedAt;
        this.tracked = b.tracked;
        this.open = b.open;
        this.graceMillis = b.graceMillis;
        this.leaks = List.copyOf(b.leaks);
        this.jdbcConnectFailures = List.copyOf(b.jdbcConnectFailures);
        this.ignored = b.ignored;
        this.dropped = b.dropped;
        this.droppedGroups = List.copyOf(b.droppedGroups);
        this.peersNotClosing = List.copyOf(b.peersNotClosing);
        this.portPressure = List.copyOf(b.portPressure);
        this.series = List.copyOf(b.series);
    }

    /** This report with {@code graceMillis} in force: a report read back, rendered with the grace its agent had. */
    public LeakReport withGraceMillis(long graceMillis) {
        return builder(pid, generatedAt).tracked(tracked).open(open).graceMillis(graceMillis).leaks(leaks)
                .jdbcConnectFailures(jdbcConnectFailures).ignored(ignored).dropped(dropped, droppedGroups)
                .peersNotClosing(peersNotClosing).portPressure(portPressure).series(series).build();
    }

    /** A report of process {@code pid} taken at {@code generatedAt}; every other field empty until set. */
    public static Builder builder(long pid, long generatedAt) {
        return new Builder(pid, generatedAt);
    }

    /** Findings left out by ignore rules: counted, not listed. */
    public long ignored() {
        return ignored;
    }

    /** Listed findings whose connection a known pool or cache holds idle: not the application's leaks. */
    public long heldByPools() {
        long held = 0;
        for (Finding leak : leaks) {
            held += leak.isHeldByPool() ? 1 : 0;
        }
        return held;
    }

    /**
     * The findings a CI gate fails on: the listed ones no pool holds, and those past the cap
     * (counted only, so not known to be held).
     */
    public long failing() {
        return leaks.size() - heldByPools() + dropped;
    }

    /** Findings past the cap of listed ones: counted, not listed. */
    public long dropped() {
        return dropped;
    }

    /** {@link #dropped()} per creation stack and remote, most first. */
    public List<DroppedGroup> droppedGroups() {
        return droppedGroups;
    }

    /** Peers that do not finish closing: this JVM's sockets in FIN_WAIT_2, per peer, most first. */
    public List<PeerNotClosing> peersNotClosing() {
        return peersNotClosing;
    }

    /** This JVM's share of the ephemeral port range per remote, most ports first. */
    public List<PortPressureEntry> portPressure() {
        return portPressure;
    }

    /** CLOSE_WAIT and FIN_WAIT_2 counts per peer over time. */
    public List<RemoteSeries> series() {
        return series;
    }

    /** Failed JDBC connects per URL and user, most recent first. */
    public List<JdbcFailure> jdbcConnectFailures() {
        return jdbcConnectFailures;
    }

    public long pid() {
        return pid;
    }

    /** Epoch millis when the report was taken. */
    public long generatedAt() {
        return generatedAt;
    }

    /** Sockets tracked since the agent started. */
    public long tracked() {
        return tracked;
    }

    /** Tracked sockets open when the report was taken. */
    public long open() {
        return open;
    }

    /** The {@code grace} in force, for sentences that explain a finding; {@link #GRACE_UNKNOWN} if not known. */
    public long graceMillis() {
        return graceMillis;
    }

    /** Every listed finding so far, in the order they were found. */
    public List<Finding> leaks() {
        return leaks;
    }

    /** Sets the fields of a {@link LeakReport}. */
    public static final class Builder {
        private final long pid;
        private final long generatedAt;
        private long tracked;
        private long open;
        private long graceMillis = GRACE_UNKNOWN;
        private List<Finding> leaks = List.of();
        private List<JdbcFailure> jdbcConnectFailures = List.of();
        private long ignored;
        private long dropped;
        private List<DroppedGroup> droppedGroups = List.of();
        private List<PeerNotClosing> peersNotClosing = List.of();
        private List<PortPressureEntry> portPressure = List.of();
        private List<RemoteSeries> series = List.of();

        private Builder(long pid, long generatedAt) {
            this.pid = pid;
            this.generatedAt = generatedAt;
        }

        public Builder tracked(long tracked) {
            this.tracked = tracked;
            return this;
        }

        public Builder open(long open) {
            this.open = open;
            return this;
        }

        public Builder graceMillis(long graceMillis) {
            this.graceMillis = graceMillis;
            return this;
        }

        public Builder leaks(List<Finding> leaks) {
            this.leaks = leaks;
            return this;
        }

        public Builder jdbcConnectFailures(List<JdbcFailure> failures) {
            this.jdbcConnectFailures = failures;
            return this;
        }

        public Builder ignored(long ignored) {
            this.ignored = ignored;
            return this;
        }

        /** {@code total} findings past the cap, counted in {@code groups}. */
        public Builder dropped(long total, List<DroppedGroup> groups) {
            this.dropped = total;
            this.droppedGroups = groups;
            return this;
        }

        public Builder peersNotClosing(List<PeerNotClosing> peers) {
            this.peersNotClosing = peers;
            return this;
        }

        public Builder portPressure(List<PortPressureEntry> entries) {
            this.portPressure = entries;
            return this;
        }

        public Builder series(List<RemoteSeries> series) {
            this.series = series;
            return this;
        }

        public LeakReport build() {
            return new LeakReport(this);
        }
    }
}
