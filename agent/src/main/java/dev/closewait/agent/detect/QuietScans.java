package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.PeerCloseWatch;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.TrackedSocket;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decides when a scan may take the rows of the last read of the kernel's table instead of reading
 * it again: the kernel walks every socket of the namespace for each read, 2 ms and more with
 * 10,000 connections open, though in a JVM whose connections stay open nothing in them changes
 * from one scan to the next.
 *
 * <p>A socket the application keeps open changes its row in the ways that matter only when its
 * peer sends a FIN (it enters CLOSE_WAIT) or a reset (it leaves the table); a {@link PeerCloseWatch}
 * hears of both, and of a socket in CLOSE_WAIT already when it is put in the watch. So the rows of
 * the last read still hold when, since that read,
 * <ul>
 *   <li>no socket closed (a close may leave a FIN_WAIT_2 row to follow; the registry's counts say
 *       how many sockets left it);</li>
 *   <li>every open socket is in the watch (put there by a walk over the open sockets, made again
 *       while the tracked count moves: one walk at a count and the one before it at the same count,
 *       as {@link MatchedSockets} needs of its passes, so that a socket numbered before a walk but
 *       entered after it is not missed), and the watch heard nothing;</li>
 *   <li>the read left nothing to follow from scan to scan: no FIN_WAIT_2 row taken as this JVM's,
 *       no CLOSE_WAIT row of an untracked socket waiting for its second sighting, and the scanner
 *       itself asks for no other rows (collected sockets, sockets open before an attach, native
 *       ones, TIME_WAIT for port pressure);</li>
 *   <li>and the read is less than {@link #REREAD_MILLIS} old: what no watch hears (other processes'
 *       rows, an untracked socket of this JVM, a half-close of its own) is seen that much later at most.</li>
 * </ul>
 * Otherwise the scan reads the table, as it does without a watch. Scanner thread only.
 */
final class QuietScans {

    /** The table is read at least this often, whatever the watch says. */
    static final long REREAD_MILLIS = 30_000;

    private PeerCloseWatch watch;
    private final Consumer<String> note;

    /** The tracked count at the last walk over the open sockets, and at the walk before it (-1, -2: none). */
    private long walkedAt = -1;
    private long walkedBefore = -2;
    /** Whether the last walk put every open socket in the watch. */
    private boolean allWatched;

    /** The counts at the start of this scan. */
    private long scanTracked;
    private int scanOpen;

    /**
     * The last read: how many sockets had left the registry (closed or collected) at the start of
     * its scan (-1: none), when, its rows, and whether it left nothing to follow.
     */
    private long readLeft = -1;
    private long readAt;
    private boolean readSettled;
    /** Whether the watch heard something since the last read: until the next read, no scan takes its rows. */
    private boolean heard;
    private List<TcpConnection> rows = List.of();

    private long replays;

    QuietScans(PeerCloseWatch watch, Consumer<String> note) {
        this.watch = watch;
        this.note = note;
    }

    /** Scans so far that took the last read's rows. */
    long replays() {
        return replays;
    }

    /**
     * At the start of a scan: puts the sockets opened since the last walk in the watch, takes its
     * events, and says whether the last read's rows still hold. {@code othersQuiet}: the scanner
     * itself needs no other rows this scan.
     */
    boolean mayReplay(SocketRegistry registry, long now, boolean othersQuiet) {
        if (watch == null) {
            return false;
        }
        scanTracked = registry.trackedCount();
        scanOpen = registry.openCount();
        if (scanTracked != walkedAt || walkedAt != walkedBefore || !allWatched) {
            walk(registry, scanTracked);
            if (watch == null) {
                return false; // the walk stopped it
            }
        }
        int events;
        try {
            events = watch.drain();
        } catch (IOException failed) {
            stop(failed.getMessage());
            return false;
        }
        heard |= events != 0;
        boolean replay = !heard && othersQuiet && allWatched && walkedAt == walkedBefore
                && walkedAt == scanTracked && readLeft == scanTracked - scanOpen && readSettled
                && now - readAt < REREAD_MILLIS;
        replays += replay ? 1 : 0;
        return replay;
    }

    /** Puts every open socket not in the watch yet in it. */
    private void walk(SocketRegistry registry, long tracked) {
        if (!registry.descriptorsReadable()) {
            stop("the JDK's socket descriptors cannot be read");
            return;
        }
        walkedBefore = walkedAt;
        walkedAt = tracked;
        boolean all = true;
        for (TrackedSocket socket : registry.openSockets()) {
            if (socket.inPeerCloseWatch()) {
                continue;
            }
            int fd = registry.descriptorOf(socket);
            int error = fd < 0 ? -1 : watch.watch(fd);
            if (error == 0) {
                socket.putInPeerCloseWatch();
            } else if (error == PeerCloseWatch.ENOSPC) {
                stop("the user's epoll watches are used up (fs.epoll.max_user_watches)");
                return;
            } else {
                all = false; // closed meanwhile (its close moves the count), or a socket without a descriptor of its own
            }
        }
        allWatched = all;
    }

    /**
     * A scan read the table, after its {@link #mayReplay}: these are its CLOSE_WAIT and FIN_WAIT_2
     * rows. What the watch heard before that call is in them.
     */
    void read(long now, Collection<TcpConnection> closeWait, Collection<TcpConnection> finWait2) {
        if (watch == null) {
            return;
        }
        List<TcpConnection> kept = new ArrayList<>(closeWait.size() + finWait2.size());
        kept.addAll(closeWait);
        kept.addAll(finWait2);
        rows = kept;
        readAt = now;
        readLeft = scanTracked - scanOpen;
        readSettled = false;
        heard = false;
    }

    /** After a scan that read the table: whether it left nothing to follow from scan to scan. */
    void settled(boolean nothingToFollow) {
        readSettled = nothingToFollow;
    }

    /** The rows of the last read, for a scan that takes them. */
    List<TcpConnection> rows() {
        return rows;
    }

    /** Stops watching, for good: every scan reads the table from now on. */
    private void stop(String why) {
        close();
        rows = List.of();
        note.accept("the peer-close watch stopped (" + why + "); every scan reads the TCP table from now on");
    }

    /** Closes the watch (the agent stops). */
    void close() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }
}
