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
import java.util.HashSet;
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
 * A socket that reaches CLOSE_WAIT and is closed within {@code grace} is never a finding.
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

        Map<ConnectionKey, TcpConnection> closeWait = new HashMap<>();
        Set<ConnectionKey> heldElsewise = collectedUnclosed.isEmpty() ? null : new HashSet<>();
        boolean tableRead = readTable(closeWait, heldElsewise);

        List<TrackedSocket> found = new ArrayList<>();
        List<TrackedSocket> changed = new ArrayList<>();

        if (!closeWait.isEmpty()) {
            for (TrackedSocket socket : registry.openSockets()) {
                TcpConnection row = closeWait.get(socket.key());
                if (row != null) {
                    socket.observed(row.local(), row.state(), now);
                    if (socket.promoteIfLeaked(now, graceMillis)) {
                        found.add(socket);
                    }
                }
            }
        }

        for (TrackedSocket socket : registry.drainClosedAfterCloseWait()) {
            boolean wasFinding = socket.status() != null;
            boolean late = socket.closedAt() - socket.closeWaitSince() >= graceMillis;
            if ((wasFinding || late) && socket.setStatus(LeakStatus.CLOSED_LATE)) {
                (wasFinding ? changed : found).add(socket);
            }
        }

        if (tableRead) {
            judgeCollected(now, closeWait, heldElsewise, found, changed);
        } else if (table == null) {
            collectedUnclosed.clear(); // nothing can ever be judged
        }

        findings.addAll(found);
        return new ScanOutcome(views(found), views(changed));
    }

    /** A report of every finding so far, with the counts of now. */
    public synchronized LeakReport report(long pid) {
        return new LeakReport(pid, clock.millis(), registry.trackedCount(), registry.openCount(), graceMillis,
                views(findings));
    }

    private boolean readTable(Map<ConnectionKey, TcpConnection> closeWait, Set<ConnectionKey> heldElsewise) {
        if (table == null) {
            return false;
        }
        try {
            if (heldElsewise == null) {
                table.read(CLOSE_WAIT_ONLY, row -> closeWait.put(ConnectionKey.of(row), row));
            } else {
                table.read(ALL_STATES, row -> {
                    if (row.state() == TcpState.CLOSE_WAIT) {
                        closeWait.put(ConnectionKey.of(row), row);
                    } else if (row.inode() != TcpConnection.NO_INODE && row.state() != TcpState.LISTEN) {
                        // A row with an inode still has a descriptor; inode 0 is a kernel leftover.
                        heldElsewise.add(ConnectionKey.of(row));
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
                                Set<ConnectionKey> heldElsewise, List<TrackedSocket> found,
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
            } else if (!heldElsewise.contains(socket.key())) {
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
