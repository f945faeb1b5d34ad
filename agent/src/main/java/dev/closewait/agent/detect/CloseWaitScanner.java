package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.LeakStatus;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns open sockets and the kernel's TCP states into findings. One {@link #scan()} reads the TCP
 * table once, marks the tracked sockets it shows in CLOSE_WAIT, and decides statuses:
 * <ul>
 *   <li>open and in CLOSE_WAIT for {@code grace} or longer: {@link LeakStatus#OPEN};</li>
 *   <li>closed by the application after {@code grace} or longer in CLOSE_WAIT: {@link LeakStatus#CLOSED_LATE};</li>
 *   <li>collected unclosed after {@code grace} in CLOSE_WAIT, descriptor released: {@link LeakStatus#RECLAIMED_BY_GC};</li>
 *   <li>collected unclosed, descriptor still held in CLOSE_WAIT: {@link LeakStatus#ORPHANED}.</li>
 * </ul>
 * A socket that reaches CLOSE_WAIT and is closed within {@code grace} is never a finding. A socket
 * still open {@code grace} after its JDBC connection ended (closed by the application, or a failed
 * connect) is an {@link LeakStatus#OPEN} finding whatever its state: the driver abandoned it.
 */
public final class CloseWaitScanner {

    private static final Set<TcpState> CLOSE_WAIT_ONLY = EnumSet.of(TcpState.CLOSE_WAIT);
    private static final Set<TcpState> ALL_STATES = EnumSet.allOf(TcpState.class);
    /** How long a collected plain socket may keep its row before its cleaner is deemed not to run. */
    private static final long CLEANER_SETTLE_MILLIS = 1000;

    private final SocketRegistry registry;
    private final TcpTable table;
    private final Clock clock;
    private final long graceMillis;
    private final StackFrames frames;
    private final Consumer<String> warn;

    private final List<TrackedSocket> findings = new ArrayList<>();
    private final List<TrackedSocket> collectedUnclosed = new ArrayList<>();
    /** For findings with a JDBC connection: its change count when last reported. */
    private final Map<TrackedSocket, Integer> reportedJdbcChanges = new java.util.IdentityHashMap<>();
    private boolean tableWarned;

    /**
     * @param table the kernel's table, or {@code null} where none can be read (sockets are then
     *              tracked but never found in CLOSE_WAIT)
     * @param warn  where one-off warnings go
     */
    public CloseWaitScanner(SocketRegistry registry, TcpTable table, Clock clock, long graceMillis,
                            StackFrames frames, Consumer<String> warn) {
        this.registry = registry;
        this.table = table;
        this.clock = clock;
        this.graceMillis = graceMillis;
        this.frames = frames;
        this.warn = warn;
        if (table == null) {
            warnOnce("no TCP table can be read on " + System.getProperty("os.name")
                    + ": sockets are tracked, but CLOSE_WAIT cannot be detected");
        }
    }

    /** Scans once; returns what changed. Safe to call from several threads (scans are serialized). */
    public synchronized ScanOutcome scan() {
        long now = clock.millis();
        collectedUnclosed.addAll(registry.drainCollectedUnclosed());
        boolean abandonedPossible = registry.mayHaveAbandonedSockets();

        Map<ConnectionKey, TcpConnection> closeWait = new HashMap<>();
        Map<ConnectionKey, TcpConnection> otherRows =
                collectedUnclosed.isEmpty() && !abandonedPossible ? null : new HashMap<>();
        boolean tableRead = readTable(closeWait, otherRows);

        List<TrackedSocket> found = new ArrayList<>();
        List<TrackedSocket> changed = new ArrayList<>();

        if (!closeWait.isEmpty() || abandonedPossible) {
            for (TrackedSocket socket : registry.openSockets()) {
                TcpConnection row = closeWait.get(socket.key());
                if (row == null && otherRows != null) {
                    row = otherRows.get(socket.key());
                }
                if (row != null) {
                    socket.observed(row.local(), row.state(), now);
                }
                if (socket.promoteIfLeaked(now, graceMillis)) {
                    found.add(socket);
                }
            }
        }

        for (TrackedSocket socket : registry.drainClosedAfterCloseWait()) {
            boolean wasFinding = socket.status() != null;
            boolean late = socket.closeWaitSince() != 0 && socket.closedAt() - socket.closeWaitSince() >= graceMillis;
            if ((wasFinding || late) && socket.setStatus(LeakStatus.CLOSED_LATE)) {
                (wasFinding ? changed : found).add(socket);
            }
        }

        if (tableRead) {
            judgeCollected(now, closeWait, otherRows, found, changed);
        } else if (table == null) {
            collectedUnclosed.clear(); // nothing can ever be judged
        }

        findings.addAll(found);
        noteJdbcChanges(found, changed);
        return new ScanOutcome(views(found), views(changed));
    }

    /** A finding whose JDBC connection was closed or failed to reconnect since it was reported has changed too. */
    private void noteJdbcChanges(List<TrackedSocket> found, List<TrackedSocket> changed) {
        for (TrackedSocket socket : findings) {
            if (socket.jdbc() == null) {
                continue;
            }
            int changes = socket.jdbc().changes();
            Integer reported = reportedJdbcChanges.put(socket, changes);
            if (reported != null && reported != changes && !found.contains(socket) && !changed.contains(socket)) {
                changed.add(socket);
            }
        }
    }

    /** A report of every finding so far, with the counts of now. */
    public synchronized LeakReport report(long pid) {
        return new LeakReport(pid, clock.millis(), registry.trackedCount(), registry.openCount(), graceMillis,
                views(findings), registry.jdbcConnectFailures().snapshot());
    }

    private boolean readTable(Map<ConnectionKey, TcpConnection> closeWait, Map<ConnectionKey, TcpConnection> otherRows) {
        if (table == null) {
            return false;
        }
        try {
            if (otherRows == null) {
                table.read(CLOSE_WAIT_ONLY, row -> closeWait.put(ConnectionKey.of(row), row));
            } else {
                table.read(ALL_STATES, row -> {
                    if (row.state() == TcpState.CLOSE_WAIT) {
                        closeWait.put(ConnectionKey.of(row), row);
                    } else if (row.inode() != TcpConnection.NO_INODE && row.state() != TcpState.LISTEN) {
                        // A row with an inode still has a descriptor; inode 0 is a kernel leftover.
                        otherRows.put(ConnectionKey.of(row), row);
                    }
                });
            }
            return true;
        } catch (IOException | RuntimeException unreadable) {
            warnOnce("cannot read the TCP table (" + table.describe() + "): " + unreadable
                    + "; sockets are tracked, CLOSE_WAIT detection resumes when the table can be read");
            return false;
        }
    }

    /** Decides what became of sockets collected without a close, now that the table was read. */
    private void judgeCollected(long now, Map<ConnectionKey, TcpConnection> closeWait,
                                Map<ConnectionKey, TcpConnection> otherRows, List<TrackedSocket> found,
                                List<TrackedSocket> changed) {
        for (Iterator<TrackedSocket> it = collectedUnclosed.iterator(); it.hasNext(); ) {
            TrackedSocket socket = it.next();
            boolean wasFinding = socket.status() != null;
            TcpConnection row = closeWait.get(socket.key());
            if (row != null) {
                // Descriptor still held in CLOSE_WAIT. A plain socket's cleaner closes it soon after
                // collection; a channel has no cleaner and keeps it for the life of the process.
                socket.observed(row.local(), row.state(), now);
                boolean settled = socket.isChannel() || now - socket.unreachableAt() >= CLEANER_SETTLE_MILLIS;
                if (settled && now - socket.closeWaitSince() >= graceMillis
                        && socket.setStatus(LeakStatus.ORPHANED)) {
                    (wasFinding ? changed : found).add(socket);
                }
            } else if (!otherRows.containsKey(socket.key())) {
                // The descriptor is gone: released by the cleaner.
                it.remove();
                boolean leaked = socket.closeWaitSince() != 0
                        && (wasFinding || socket.unreachableAt() - socket.closeWaitSince() >= graceMillis);
                if (leaked && socket.setStatus(LeakStatus.RECLAIMED_BY_GC)) {
                    (wasFinding ? changed : found).add(socket);
                }
            }
            // Otherwise still held in another state (an unreachable channel, still established): keep watching.
        }
    }

    private List<Finding> views(List<TrackedSocket> sockets) {
        List<Finding> views = new ArrayList<>(sockets.size());
        for (TrackedSocket socket : sockets) {
            views.add(Finding.of(socket, frames));
        }
        return views;
    }

    private void warnOnce(String message) {
        if (!tableWarned) {
            tableWarned = true;
            warn.accept(message);
        }
    }
}
