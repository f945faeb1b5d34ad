package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.PeerCloseWatch;
import dev.closewait.agent.tcp.ProcessSockets;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.Origin;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns open sockets and the kernel's TCP states into findings. One {@link #scan()} reads the TCP
 * table once, records what it shows of the tracked sockets, and applies {@link LeakRules} to the
 * sockets that could have changed: those in CLOSE_WAIT, those closed or collected since the last
 * scan, those whose JDBC connection ended, and those open before the agent attached. The statuses
 * of findings live here; the tracked sockets only hold what was observed.
 */
public final class CloseWaitScanner {

    /** The states every scan reads: this JVM's leaks, and its peers that do not finish closing. */
    private static final Set<TcpState> SCANNED = EnumSet.of(TcpState.CLOSE_WAIT, TcpState.FIN_WAIT2);
    /** {@link #SCANNED}, and TIME_WAIT for port pressure. */
    private static final Set<TcpState> SCANNED_WITH_TIME_WAIT = EnumSet.of(TcpState.CLOSE_WAIT, TcpState.FIN_WAIT2,
            TcpState.TIME_WAIT);
    /**
     * Where none of the last {@link #RECENT_TIME_WAIT_READS} reads with TIME_WAIT was faster than
     * this, port pressure is a concern of every tenth scan only.
     */
    private static final long CHEAP_READ_NANOS = 2_000_000;
    /**
     * How many of the latest reads with TIME_WAIT say what one costs: the first ones run cold, and a
     * namespace that grew (or shrank) since is judged by what its reads cost now.
     */
    private static final int RECENT_TIME_WAIT_READS = 3;
    /** How long after the last socket opened FIN_WAIT_2 and TIME_WAIT rows may still be this JVM's. */
    private static final long RECENT_MILLIS = 150_000;
    /**
     * An idle JVM (nothing open, nothing opened lately) reads the table at least this often, for the
     * sockets the agent did not see opened; with one such row seen, at every scan until it is decided.
     */
    static final long IDLE_READ_MILLIS = 30_000;
    /** When the table was last read (not replayed); 0: never. */
    private long lastReadAt;
    private static final Set<TcpState> ALL_STATES = EnumSet.allOf(TcpState.class);
    /**
     * The states a row with a descriptor can be in, for every read that looks sockets up by key or
     * inode: TIME_WAIT rows are the kernel's alone (inode 0), and a busy host has tens of thousands.
     */
    private static final Set<TcpState> WITH_DESCRIPTORS = EnumSet.complementOf(EnumSet.of(TcpState.TIME_WAIT));

    private final SocketRegistry registry;
    private final TcpTable table;
    private final Clock clock;
    private volatile long graceMillis;
    private final StackFrames frames;
    private final Consumer<String> warn;

    /** Findings listed in reports, in the order they were found; at most {@link #maxFindings}. */
    private final List<TrackedSocket> findings = new ArrayList<>();
    /** The status of every listed finding (identity: sockets compare by referent). */
    private final Map<TrackedSocket, LeakStatus> statuses = new IdentityHashMap<>();
    /**
     * Findings decided but not listed (an ignore rule left them out, or they came past
     * {@link #maxFindings}), while their sockets are open: counted once, never judged again.
     */
    private final Set<TrackedSocket> unlisted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Findings past {@link #maxFindings}, counted per creation stack and remote. */
    private final DroppedFindings dropped = new DroppedFindings();
    private volatile int maxFindings;
    private int ignoredCount;
    /** Listed findings by status, and those among sockets open before the attach: the MBean's counters. */
    private final int[] byStatus = new int[LeakStatus.values().length];
    private int beforeAttach;
    /** Findings the last scan at exit made ({@link LeakRules#isExitLeak}). */
    private final java.util.Set<TrackedSocket> atExit = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<TrackedSocket> collectedUnclosed = new ArrayList<>();
    /**
     * Sockets known only from the kernel's table, while their descriptors live: open when the
     * agent attached, or {@code UNTRACKED} ones; matched by inode.
     */
    private final List<TrackedSocket> preexisting = new ArrayList<>();
    /** CLOSE_WAIT rows no tracked socket matched in the last scan, by inode, with when first seen. */
    private Map<Long, Long> untrackedCandidates = new HashMap<>();
    /** Inodes of CLOSE_WAIT rows that are another process's sockets (the table shows the whole namespace). */
    private final Set<Long> foreign = new java.util.HashSet<>();
    private static final int MAX_FOREIGN = 16_384;
    /** For findings with a JDBC connection: its change count when last reported. */
    private final Map<TrackedSocket, Integer> reportedJdbcChanges = new java.util.IdentityHashMap<>();
    private boolean tableWarned;
    /** The sockets a scan looks at while no row could match another one (see {@link MatchedSockets}). */
    private final MatchedSockets matched = new MatchedSockets();
    /** When a scan may take the last read's rows (see {@link QuietScans}); without a watch, never. */
    private QuietScans quiet = new QuietScans(null, message -> { });
    /** Peers not closing, port pressure and the time series, from scan to scan. */
    private final Picture picture;
    private long lastTracked;
    private long lastActivityAt;
    /** The durations of the latest reads with TIME_WAIT, oldest overwritten first. */
    private final long[] recentTimeWaitReadNanos = new long[RECENT_TIME_WAIT_READS];
    /** Reads with TIME_WAIT so far: the first three are always made, to learn what one costs warm. */
    private long timeWaitReads;
    private int scansSincePressure;
    private volatile IgnoreRules ignoreRules = IgnoreRules.none();
    /** {@link #countFindings()} of the last scan or adoption; {@link #counts()} adds the live counts. */
    private volatile LeakCounts lastCounts = new LeakCounts(0, 0, 0, new int[LeakStatus.values().length], 0, 0, 0, 0);

    /**
     * @param table       the kernel's table, or {@code null} where none can be read (sockets are then
     *                    tracked but never found in CLOSE_WAIT)
     * @param maxFindings findings listed at most; more are counted ({@link #setMaxFindings})
     * @param warn        where one-off warnings go
     */
    public CloseWaitScanner(SocketRegistry registry, TcpTable table, Clock clock, long graceMillis, int maxFindings,
                            StackFrames frames, Consumer<String> warn) {
        this.registry = registry;
        this.table = table;
        this.clock = clock;
        this.graceMillis = graceMillis;
        this.maxFindings = maxFindings;
        this.frames = frames;
        this.warn = warn;
        this.picture = new Picture(registry, frames);
        if (table == null) {
            warnOnce("no TCP table can be read on " + System.getProperty("os.name")
                    + ": sockets are tracked, but CLOSE_WAIT cannot be detected");
        }
    }

    /** Scans once; returns what changed. Safe to call from several threads (scans are serialized). */
    public synchronized ScanOutcome scan() {
        return scan(false);
    }

    /**
     * The last scan, at JVM exit: like {@link #scan()}, and every tracked socket still open in
     * CLOSE_WAIT is a finding too, whatever {@code grace} says ({@link LeakRules#isExitLeak}).
     */
    public synchronized ScanOutcome scanAtExit() {
        return scan(true);
    }

    private ScanOutcome scan(boolean exit) {
        long now = clock.millis();
        long countedBefore = dropped.total() + ignoredCount;
        collectedUnclosed.addAll(registry.drainCollectedUnclosed());
        boolean abandonedPossible = registry.mayHaveAbandonedSockets();

        Map<ConnectionKey, TcpConnection> closeWait = new HashMap<>();
        Map<ConnectionKey, TcpConnection> finWait2 = new HashMap<>();
        List<TcpConnection> timeWait = new ArrayList<>();
        Map<Long, TcpConnection> closeWaitByInode = new HashMap<>();
        if (registry.trackedCount() != lastTracked) {
            lastTracked = registry.trackedCount();
            lastActivityAt = now;
        }
        boolean recentlyActive = lastActivityAt != 0 && now - lastActivityAt < RECENT_MILLIS;
        boolean pressureDue = recentlyActive && (timeWaitReads < RECENT_TIME_WAIT_READS || recentReadIsCheap()
                || ++scansSincePressure >= 10);
        Map<ConnectionKey, TcpConnection> otherRows =
                collectedUnclosed.isEmpty() && !abandonedPossible ? null : new HashMap<>();
        Map<Long, TcpConnection> byInode = preexisting.isEmpty() && !collectedNative() ? null : new HashMap<>();
        // Nothing open, collected or taken on: no row could matter, and the kernel's text of a
        // busy namespace costs milliseconds to write. A process between bursts of short
        // connections skips the read.
        // But sockets opened out of the agent's sight (native code, inherited descriptors) are found
        // only in the table: an idle JVM reads it at least every IDLE_READ_MILLIS, and at exit.
        boolean nothingToLookUp = otherRows == null && byInode == null && registry.openCount() == 0 && !recentlyActive
                && !exit && untrackedCandidates.isEmpty() && now - lastReadAt < IDLE_READ_MILLIS;
        boolean replay = quiet.mayReplay(registry, now, !exit && otherRows == null
                && byInode == null && !pressureDue && registry.nativeOpenCount() == 0);
        long readStart = System.nanoTime();
        boolean tableRead;
        if (replay) {
            for (TcpConnection row : quiet.rows()) {
                sort(row, closeWait, finWait2, null, closeWaitByInode, null, null);
            }
            tableRead = true;
        } else {
            tableRead = !nothingToLookUp
                    && readTable(closeWait, finWait2, pressureDue ? timeWait : null, closeWaitByInode, otherRows, byInode);
            if (tableRead) {
                quiet.read(now, closeWait.values(), finWait2.values());
                lastReadAt = now;
            }
        }
        if (tableRead && pressureDue) {
            recentTimeWaitReadNanos[(int) (timeWaitReads++ % RECENT_TIME_WAIT_READS)] = System.nanoTime() - readStart;
            scansSincePressure = 0;
        }
        Map<ConnectionKey, TrackedSocket> finWait2Owned = new HashMap<>();
        Map<Endpoint, Integer> closeWaitByRemote = new HashMap<>();
        Set<ConnectionKey> matchedKeys = new java.util.HashSet<>();
        Set<Long> matchedInodes = new java.util.HashSet<>();

        List<TrackedSocket> found = new ArrayList<>();
        List<TrackedSocket> changed = new ArrayList<>();

        if (!closeWait.isEmpty() || !finWait2.isEmpty() || abandonedPossible) {
            // A bit per CLOSE_WAIT (and FIN_WAIT_2) row's ports: most open sockets are ruled out by
            // their own field and one bit, without reading their key's objects (cold by scan time).
            long[] closeWaitBits = new long[1024];
            for (Map<ConnectionKey, TcpConnection> rows : List.of(closeWait, finWait2)) {
                for (ConnectionKey key : rows.keySet()) {
                    int bit = key.keyHash() >>> 16;
                    closeWaitBits[bit >>> 6] |= 1L << bit;
                }
            }
            // While no row can match a socket the last pass did not remember (MatchedSockets),
            // those it remembered are all that a scan must look at: most scans of a JVM whose
            // connections stay open.
            long tracked = registry.trackedCount();
            boolean pass = exit || abandonedPossible || otherRows != null
                    || !matched.passNeedless(tracked, closeWait, finWait2);
            if (pass) {
                matched.passStarts(tracked, registry.openCount());
            }
            List<Candidate> candidates = new ArrayList<>();
            for (TrackedSocket socket : pass ? registry.openSockets() : matched.stillOpen(registry)) {
                TcpConnection row;
                if (socket.matchedByInode()) {
                    row = closeWaitByInode.get(socket.inode());
                } else {
                    int bit = socket.keyHash() >>> 16;
                    boolean maybe = (closeWaitBits[bit >>> 6] & 1L << bit) != 0;
                    row = maybe ? closeWait.get(socket.key()) : null;
                    if (row == null && maybe && !finWait2.isEmpty()) {
                        row = finWait2.get(socket.key());
                        if (row != null) {
                            finWait2Owned.put(socket.key(), socket);
                        }
                    }
                    if (row == null && otherRows != null) {
                        row = otherRows.get(socket.key());
                    }
                }
                if (pass) {
                    matched.saw(socket, row != null || socket.seenInCloseWait() || socket.matchedByInode());
                }
                if (row != null) {
                    socket.observed(row.local(), row.remote(), row.state(), now);
                    if (row.state() == TcpState.CLOSE_WAIT) {
                        matchedKeys.add(ConnectionKey.of(row));
                        matchedInodes.add(row.inode());
                        closeWaitByRemote.merge(socket.origin() == Origin.ACCEPT ? row.remote().anyPort() : row.remote(),
                                1, Integer::sum);
                    }
                } else if (!abandonedPossible && !socket.seenInCloseWait()) {
                    continue; // no row to note and nothing that could make it a leak: most sockets, most scans
                }
                candidates.add(new Candidate(socket, row));
            }
            // In the order the sockets were tracked, as the report lists them: which ones a cap lists
            // does not depend on the order of a hash map.
            candidates.sort(Candidate.BY_ID);
            for (Candidate candidate : candidates) {
                judgeOpen(candidate.socket, candidate.row, exit, now, found, changed);
            }
        }

        for (TrackedSocket socket : registry.drainClosedAfterCloseWait()) {
            boolean decided = statuses.containsKey(socket) || unlisted.contains(socket);
            judge(socket, LeakRules.afterClose(socket, decided, graceMillis), found, changed);
        }

        if (tableRead && byInode != null) {
            judgePreexisting(now, byInode, exit, found, changed, matchedInodes, closeWaitByRemote);
        }
        List<PeerNotClosing> newPeers = new ArrayList<>();
        List<PortPressureEntry> newWarnings = new ArrayList<>();
        boolean pictureDue = false;
        if (tableRead) {
            for (TrackedSocket socket : collectedUnclosed) {
                // Collected, its descriptor maybe still held: judged as ORPHANED below, never taken on again.
                TcpConnection row;
                if (socket.matchedByInode()) {
                    matchedInodes.add(socket.inode());
                    row = byInode == null ? null : byInode.get(socket.inode());
                } else {
                    matchedKeys.add(socket.key());
                    row = closeWait.get(socket.key());
                }
                if (row != null && row.state() == TcpState.CLOSE_WAIT) {
                    // It holds its port until the process exits: port pressure and the series count it.
                    closeWaitByRemote.merge(socket.origin() == Origin.ACCEPT ? row.remote().anyPort() : row.remote(),
                            1, Integer::sum);
                }
            }
            takeOnUntracked(now, closeWait, matchedKeys, matchedInodes);
            pictureDue = picture.update(now, graceMillis, finWait2, finWait2Owned, timeWait, closeWaitByRemote, pressureDue,
                    newPeers, newWarnings);
        }
        if (tableRead && otherRows != null) {
            judgeCollected(now, closeWait, otherRows, byInode, found, changed);
        } else if (table == null) {
            collectedUnclosed.clear(); // nothing can ever be judged
        }

        if (tableRead && !replay) {
            quiet.settled(!exit && finWait2Owned.isEmpty() && picture.peers().isEmpty() && untrackedCandidates.isEmpty()
                    && collectedUnclosed.isEmpty() && preexisting.isEmpty());
        }
        found.sort(BY_ID); // this scan's findings of every kind (open, closed late, collected) by id
        findings.addAll(found);
        noteJdbcChanges(found, changed);
        changed.sort(BY_ID);
        // Findings past the cap, or left out by a rule, are counted, not found: the counts in the report must move too.
        boolean countsMoved = dropped.total() + ignoredCount != countedBefore;
        lastCounts = countFindings();
        return new ScanOutcome(views(found), views(changed), newPeers, newWarnings, pictureDue || countsMoved);
    }

    /**
     * Scans from now on read the table only when {@code watch} heard of a peer's FIN or reset, or
     * something else changed (see {@link QuietScans}); {@code note} hears, once, if it stops.
     */
    public synchronized void usePeerCloseWatch(PeerCloseWatch watch, Consumer<String> note) {
        quiet.close();
        quiet = new QuietScans(watch, note);
    }

    /**
     * Whether one of the latest reads with TIME_WAIT was cheap: the fastest of a few, since one read
     * alone may be slowed by anything on the machine, and of the latest only, since the fastest of
     * all time would keep every scan reading TIME_WAIT rows in a JVM whose connections grew from a
     * few to thousands (its first reads were cheap).
     */
    private boolean recentReadIsCheap() {
        for (long took : recentTimeWaitReadNanos) {
            if (took < CHEAP_READ_NANOS) {
                return true;
            }
        }
        return false;
    }

    /** Closes the peer-close watch, if any: every scan from now on reads the table. */
    public synchronized void stopWatching() {
        quiet.close();
    }

    /** Scans so far that took the rows of the last read rather than read the table. */
    public synchronized long scansWithoutRead() {
        return quiet.replays();
    }

    /** Where the size of the ephemeral port range comes from: a test's scaled range. */
    synchronized void usePortRange(java.util.function.IntSupplier range) {
        picture.usePortRange(range);
    }

    /** The rules in force. */
    public IgnoreRules ignoreRules() {
        return ignoreRules;
    }

    /** Rules of known leaks to leave out from now on. */
    public void setIgnoreRules(IgnoreRules rules) {
        this.ignoreRules = rules;
    }

    /** Findings listed at most from now on; those listed already stay. */
    public void setMaxFindings(int maxFindings) {
        this.maxFindings = maxFindings;
    }

    /** An open socket whose kernel row is {@code row} ({@code null}: none): a finding yet? */
    private void judgeOpen(TrackedSocket socket, TcpConnection row, boolean exit, long now, List<TrackedSocket> found,
                           List<TrackedSocket> changed) {
        if (statuses.containsKey(socket) || unlisted.contains(socket)) {
            return;
        }
        if (LeakRules.isOpenLeak(socket, now, graceMillis)) {
            judge(socket, LeakStatus.OPEN, found, changed);
        } else if (exit && row != null && LeakRules.isExitLeak(socket, row.state())) {
            atExit.add(socket);
            judge(socket, LeakStatus.OPEN, found, changed);
        }
    }

    /**
     * Gives {@code socket} the status {@code status} ({@code null}: none, nothing happens). A
     * socket that had none is a new finding: left out if an ignore rule matches it, counted if
     * {@link #maxFindings} are listed already, else {@code found}. A listed finding whose status
     * changed is {@code changed}. An unlisted one is never judged again, and forgotten once gone.
     */
    private void judge(TrackedSocket socket, LeakStatus status, List<TrackedSocket> found, List<TrackedSocket> changed) {
        if (status == null) {
            return;
        }
        if (unlisted.contains(socket)) {
            if (status == LeakStatus.CLOSED_LATE || status == LeakStatus.RECLAIMED_BY_GC) {
                unlisted.remove(socket); // gone: nothing more can happen to it
            }
            return;
        }
        LeakStatus before = statuses.get(socket);
        if (before == null) {
            List<String> stack = socket.stack(frames);
            String remote = socket.remote().toString();
            if (ignoreRules.match(stack, remote) != null) {
                ignoredCount++;
                unlisted.add(socket);
            } else if (findings.size() + found.size() >= maxFindings) {
                dropped.count(stack, remote, clock.millis());
                unlisted.add(socket);
            } else {
                statuses.put(socket, status);
                byStatus[status.ordinal()]++;
                beforeAttach += socket.origin() == Origin.BEFORE_ATTACH ? 1 : 0;
                found.add(socket);
            }
        } else if (before != status) {
            statuses.put(socket, status);
            byStatus[before.ordinal()]--;
            byStatus[status.ordinal()]++;
            changed.add(socket);
        }
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

    /** A report of every listed finding so far, with the counts of now. */
    public synchronized LeakReport report(long pid) {
        return LeakReport.builder(pid, clock.millis()).tracked(registry.trackedCount())
                .open(registry.openCount() + preexisting.size()).graceMillis(graceMillis).leaks(views(findings))
                .jdbcConnectFailures(registry.jdbcFailures()).ignored(ignoredCount)
                .dropped(dropped.total(), dropped.groups())
                .peersNotClosing(picture.peers()).portPressure(picture.pressure()).series(picture.series()).build();
    }

    /**
     * The counts of now, without a view of any finding: cheap enough for a JMX attribute, and never
     * waiting for a scan in progress (a storm's scan may hold the scanner for long). The counts of
     * findings are those of the last scan; sockets and failed connects are counted live.
     */
    public LeakCounts counts() {
        long failures = registry.jdbcFailuresNotListed();
        for (dev.closewait.agent.track.JdbcFailure failure : registry.jdbcFailures()) {
            failures += failure.count();
        }
        return lastCounts.live(registry.trackedCount(), registry.openCount(), failures);
    }

    /** What {@link #counts()} reads between scans; made under the scanner's lock, at the end of each change. */
    private LeakCounts countFindings() {
        int held = 0;
        for (TrackedSocket socket : findings) {
            held += Finding.heldIdle(socket) ? 1 : 0;
        }
        int finWait2 = 0;
        for (PeerNotClosing peer : picture.peers()) {
            finWait2 += peer.count();
        }
        double maxShare = 0;
        int warnings = 0;
        for (PortPressureEntry entry : picture.pressure()) {
            maxShare = Math.max(maxShare, entry.share());
            warnings += entry.warning() == null ? 0 : 1;
        }
        return new LeakCounts(0, preexisting.size(), findings.size(), byStatus.clone(), beforeAttach, ignoredCount,
                dropped.total(), 0, held, finWait2, maxShare, warnings);
    }

    /**
     * Views of the sockets tracked after {@code id} and still open, with the state the kernel
     * shows now ({@code null} if it shows none): what a test opened and did not close. Their
     * status reads {@link LeakStatus#OPEN} whether or not they are leaks.
     */
    public List<Finding> openSocketsAfter(long id) {
        Map<ConnectionKey, TcpConnection> rows = new HashMap<>();
        if (table != null) {
            try {
                table.read(WITH_DESCRIPTORS, row -> {
                    if (row.inode() != TcpConnection.NO_INODE || row.state() == TcpState.CLOSE_WAIT) {
                        rows.put(ConnectionKey.of(row), row);
                    }
                });
            } catch (IOException | RuntimeException unreadable) {
                warnOnce("cannot read the TCP table (" + table.describe() + "): " + unreadable);
            }
        }
        List<Finding> open = new ArrayList<>();
        for (TrackedSocket socket : registry.openSockets()) {
            if (socket.id() <= id) {
                continue;
            }
            TcpConnection row = rows.get(socket.key());
            Finding.Builder view = Finding.of(socket, LeakStatus.OPEN, false, frames).toBuilder().closedAt(Finding.NEVER)
                    .unreachableAt(Finding.NEVER).status(LeakStatus.OPEN).state(row == null ? null : row.state());
            if (row != null) {
                view.local(row.local()); // the local address of now; kept where the kernel shows none
            }
            open.add(view.build());
        }
        open.sort(java.util.Comparator.comparingLong(Finding::id));
        return open;
    }

    /** Changes {@code grace} from the next scan on (a re-attach with new options). */
    public void setGraceMillis(long graceMillis) {
        this.graceMillis = graceMillis;
    }

    /**
     * Takes on the sockets this process held before the agent attached: the kernel's rows whose
     * inodes are among {@code socketInodes}. They have no stack or thread; those that sit in
     * CLOSE_WAIT for {@code grace} become {@link dev.closewait.agent.track.Origin#BEFORE_ATTACH}
     * findings. Returns how many were taken on.
     */
    public synchronized int adoptPreexisting(java.util.Set<Long> socketInodes) {
        if (table == null || socketInodes.isEmpty()) {
            return 0;
        }
        // By inode: one socket, one row, however often the table shows it; and never a socket taken on twice.
        Map<Long, TcpConnection> rows = new java.util.LinkedHashMap<>();
        for (TrackedSocket taken : preexisting) {
            rows.put(taken.inode(), null);
        }
        int before = rows.size();
        try {
            table.read(WITH_DESCRIPTORS, row -> {
                if (row.inode() != TcpConnection.NO_INODE && socketInodes.contains(row.inode())
                        && row.state() != TcpState.LISTEN) {
                    rows.putIfAbsent(row.inode(), row);
                }
            });
        } catch (IOException | RuntimeException unreadable) {
            warnOnce("cannot read the TCP table (" + table.describe() + "): " + unreadable
                    + "; sockets open before the attach are not watched");
            return 0;
        }
        for (TcpConnection row : rows.values()) {
            if (row != null) {
                preexisting.add(registry.adoptPreexisting(ConnectionKey.of(row), row.local(), row.inode()));
            }
        }
        lastCounts = countFindings();
        return rows.size() - before;
    }

    /** Whether a native socket (matched by inode) was collected unclosed and is still to be judged. */
    private boolean collectedNative() {
        for (TrackedSocket socket : collectedUnclosed) {
            if (socket.matchedByInode()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes on the sockets of this process in CLOSE_WAIT that no tracked socket matches (made in
     * native code the agent does not know, or inherited): {@link dev.closewait.agent.track.Origin#UNTRACKED},
     * watched by inode from then on like the sockets found at attach. A row must be unmatched in
     * two scans running (a socket whose connect event is on its way is matched by then), and its
     * inode one of this process's descriptors: the table shows every process of the namespace.
     */
    private void takeOnUntracked(long now, Map<ConnectionKey, TcpConnection> closeWait, Set<ConnectionKey> matchedKeys,
                                 Set<Long> matchedInodes) {
        Map<Long, Long> seen = new HashMap<>();
        List<TcpConnection> again = new ArrayList<>();
        for (TcpConnection row : closeWait.values()) {
            long inode = row.inode();
            if (inode == TcpConnection.NO_INODE || matchedInodes.contains(inode) || foreign.contains(inode)
                    || matchedKeys.contains(ConnectionKey.of(row))) {
                continue;
            }
            Long first = untrackedCandidates.get(inode);
            seen.put(inode, first == null ? now : first);
            if (first != null) {
                again.add(row);
            }
        }
        untrackedCandidates = seen;
        if (again.isEmpty() || !ProcessSockets.isAvailable()) {
            return;
        }
        Set<Long> ours;
        try {
            ours = ProcessSockets.inodes();
        } catch (IOException unreadable) {
            return;
        }
        for (TcpConnection row : again) {
            Long first = untrackedCandidates.remove(row.inode());
            if (!ours.contains(row.inode())) {
                if (foreign.size() >= MAX_FOREIGN) {
                    foreign.clear();
                }
                foreign.add(row.inode());
                continue;
            }
            TrackedSocket claimed = registry.claimByInode(row.local().port(), row.inode(), row.remote());
            if (claimed != null) {
                // A tracked socket through a proxy: judged by its inode from the next scan, with its stack.
                claimed.observed(row.local(), row.remote(), TcpState.CLOSE_WAIT, first);
                matched.saw(claimed, true);
                continue;
            }
            TrackedSocket socket = registry.adopt(Origin.UNTRACKED, ConnectionKey.of(row), row.local(), row.inode());
            socket.observed(row.local(), row.remote(), TcpState.CLOSE_WAIT, first);
            preexisting.add(socket);
        }
    }

    /** Sockets open before the attach: watched by inode; gone from the table means released. */
    private void judgePreexisting(long now, Map<Long, TcpConnection> byInode, boolean exit, List<TrackedSocket> found,
                                  List<TrackedSocket> changed, Set<Long> matchedInodes,
                                  Map<Endpoint, Integer> closeWaitByRemote) {
        for (Iterator<TrackedSocket> it = preexisting.iterator(); it.hasNext(); ) {
            TrackedSocket socket = it.next();
            TcpConnection row = byInode.get(socket.inode());
            if (row != null) {
                matchedInodes.add(row.inode());
                if (row.state() == TcpState.CLOSE_WAIT) {
                    closeWaitByRemote.merge(row.remote(), 1, Integer::sum);
                }
            }
            if (row == null) {
                it.remove();
                socket.markGone(now);
                if (statuses.containsKey(socket)) {
                    judge(socket, LeakStatus.CLOSED_LATE, found, changed); // released: closed or collected
                }
            } else {
                socket.observed(row.local(), row.state(), now);
                judgeOpen(socket, row, exit, now, found, changed);
            }
        }
    }

    /**
     * Reads the table once: CLOSE_WAIT rows always; when asked, the other rows that still have a
     * descriptor (inode 0 is a kernel leftover) by key, and every row with a descriptor by inode.
     */
    private boolean readTable(Map<ConnectionKey, TcpConnection> closeWait, Map<ConnectionKey, TcpConnection> finWait2,
                              List<TcpConnection> timeWait, Map<Long, TcpConnection> closeWaitByInode,
                              Map<ConnectionKey, TcpConnection> otherRows, Map<Long, TcpConnection> byInode) {
        if (table == null) {
            return false;
        }
        try {
            Set<TcpState> states = otherRows != null || byInode != null ? (timeWait != null ? ALL_STATES : WITH_DESCRIPTORS)
                    : timeWait != null ? SCANNED_WITH_TIME_WAIT : SCANNED;
            table.read(states, row -> sort(row, closeWait, finWait2, timeWait, closeWaitByInode, otherRows, byInode));
            return true;
        } catch (IOException | RuntimeException unreadable) {
            warnOnce("cannot read the TCP table (" + table.describe() + "): " + unreadable
                    + "; sockets are tracked, CLOSE_WAIT detection resumes when the table can be read");
            return false;
        }
    }

    /** Puts one row of the table where the scan looks for it; {@code null} where a scan does not ask for such rows. */
    private static void sort(TcpConnection row, Map<ConnectionKey, TcpConnection> closeWait,
                             Map<ConnectionKey, TcpConnection> finWait2, List<TcpConnection> timeWait,
                             Map<Long, TcpConnection> closeWaitByInode, Map<ConnectionKey, TcpConnection> otherRows,
                             Map<Long, TcpConnection> byInode) {
        if (byInode != null && row.inode() != TcpConnection.NO_INODE) {
            byInode.put(row.inode(), row);
        }
        if (row.state() == TcpState.CLOSE_WAIT) {
            closeWait.put(ConnectionKey.of(row), row);
            if (row.inode() != TcpConnection.NO_INODE) {
                closeWaitByInode.put(row.inode(), row);
            }
        } else if (row.state() == TcpState.FIN_WAIT2) {
            finWait2.put(ConnectionKey.of(row), row);
        } else if (row.state() == TcpState.TIME_WAIT) {
            if (timeWait != null) {
                timeWait.add(row);
            }
        } else if (otherRows != null && row.inode() != TcpConnection.NO_INODE && row.state() != TcpState.LISTEN) {
            otherRows.put(ConnectionKey.of(row), row);
        }
    }

    /**
     * Decides what became of sockets collected without a close, now that the table was read. Each
     * is a finding, whatever its state: the application never closed it. Its descriptor gone:
     * reclaimed (the JDK's cleaner closed it); still held: orphaned, once a plain socket's cleaner
     * had time to run (a channel has none). A native socket that no TCP row ever showed, and none
     * shows now, is no connection at all (Netty's epoll datagram and domain sockets pass the same
     * constructor): dropped without a word.
     */
    private void judgeCollected(long now, Map<ConnectionKey, TcpConnection> closeWait,
                                Map<ConnectionKey, TcpConnection> otherRows, Map<Long, TcpConnection> byInode,
                                List<TrackedSocket> found, List<TrackedSocket> changed) {
        for (Iterator<TrackedSocket> it = collectedUnclosed.iterator(); it.hasNext(); ) {
            TrackedSocket socket = it.next();
            TcpConnection row;
            if (socket.matchedByInode()) {
                row = byInode == null ? null : byInode.get(socket.inode());
            } else {
                row = closeWait.get(socket.key());
                if (row == null) {
                    row = otherRows.get(socket.key());
                }
            }
            if (row != null) {
                socket.observed(row.local(), row.state(), now);
            } else if (socket.matchedByInode() && socket.lastState() == null) {
                // A native socket no TCP row ever showed (a datagram or Unix domain socket, or never
                // connected) and none shows now: no connection, no finding.
                it.remove();
                continue;
            } else {
                it.remove();
                if (socket.lastState() == null) {
                    socket.observed(null, TcpState.CLOSE, now); // never seen by a scan: it is closed now
                }
            }
            judge(socket, LeakRules.afterCollection(socket, row != null, now), found, changed);
        }
    }

    private List<Finding> views(List<TrackedSocket> sockets) {
        List<Finding> views = new ArrayList<>(sockets.size());
        for (TrackedSocket socket : sockets) {
            views.add(Finding.of(socket, statuses.get(socket), atExit.contains(socket), frames));
        }
        return views;
    }

    private void warnOnce(String message) {
        if (!tableWarned) {
            tableWarned = true;
            warn.accept(message);
        }
    }

    private static final java.util.Comparator<TrackedSocket> BY_ID = java.util.Comparator.comparingLong(TrackedSocket::id);

    /** An open socket a scan judges, with its kernel row ({@code null}: none). */
    private static final class Candidate {
        static final java.util.Comparator<Candidate> BY_ID = java.util.Comparator.comparingLong(c -> c.socket.id());

        final TrackedSocket socket;
        final TcpConnection row;

        Candidate(TrackedSocket socket, TcpConnection row) {
            this.socket = socket;
            this.row = row;
        }
    }
}
