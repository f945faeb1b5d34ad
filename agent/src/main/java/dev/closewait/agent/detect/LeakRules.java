package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.TrackedSocket;

/**
 * Every verdict, in one place: when a tracked socket becomes a finding, and with which status.
 * <ul>
 *   <li>open and in CLOSE_WAIT for {@code grace} or longer: {@link LeakStatus#OPEN};</li>
 *   <li>open {@code grace} or longer after its JDBC connection ended (closed, or the connect failed):
 *       {@link LeakStatus#OPEN}, whatever its state: the driver abandoned it;</li>
 *   <li>closed by the application after {@code grace} or longer in CLOSE_WAIT, or closed after it
 *       was already a finding: {@link LeakStatus#CLOSED_LATE};</li>
 *   <li>collected without a close, whatever its state, descriptor released: {@link LeakStatus#RECLAIMED_BY_GC};</li>
 *   <li>collected without a close, descriptor still held once a plain socket's cleaner had time to
 *       run (a channel has none): {@link LeakStatus#ORPHANED}.</li>
 * </ul>
 * A socket that reaches CLOSE_WAIT and is closed within {@code grace} is never a finding.
 */
final class LeakRules {

    /** How long a collected plain socket may keep its row before its cleaner is deemed not to run. */
    static final long CLEANER_SETTLE_MILLIS = 1000;

    private LeakRules() {
    }

    /**
     * Whether the open {@code socket} is an {@link LeakStatus#OPEN} finding now. When it is, it is
     * also marked watched, under its lock, so that a close from now on is heard of.
     */
    static boolean isOpenLeak(TrackedSocket socket, long now, long grace) {
        synchronized (socket) {
            long since = socket.closeWaitSince();
            boolean leaked = since != 0 && now - since >= grace || isAbandoned(socket, now, grace);
            return leaked && socket.watchIfStillOpen();
        }
    }

    /**
     * Whether the open {@code socket}, at JVM exit, is a finding although {@link #isOpenLeak} says
     * no: the kernel shows it in CLOSE_WAIT now and the application never closed it, and the JVM
     * is ending, so no {@code grace} is left to wait for a close. Marks it watched, like {@link #isOpenLeak}.
     */
    static boolean isExitLeak(TrackedSocket socket, TcpState stateNow) {
        synchronized (socket) {
            return stateNow == TcpState.CLOSE_WAIT && socket.watchIfStillOpen();
        }
    }

    /** Whether its JDBC connection ended {@code grace} or more ago while this socket stayed open. */
    static boolean isAbandoned(TrackedSocket socket, long now, long grace) {
        long ended = socket.jdbc() == null ? 0 : socket.jdbc().endedAt();
        return ended != 0 && now - ended >= grace;
    }

    /** The status of a socket the application closed, or {@code null} when its close was in time. */
    static LeakStatus afterClose(TrackedSocket socket, boolean wasFinding, long grace) {
        long since = socket.closeWaitSince();
        boolean late = since != 0 && socket.closedAt() - since >= grace;
        return wasFinding || late ? LeakStatus.CLOSED_LATE : null;
    }

    /**
     * The status of a socket collected without a close: {@link LeakStatus#RECLAIMED_BY_GC} once the
     * kernel no longer shows it; {@link LeakStatus#ORPHANED} while it does, once a plain socket's
     * cleaner had time to run; {@code null} while that cannot be told yet.
     */
    static LeakStatus afterCollection(TrackedSocket socket, boolean kernelStillShowsIt, long now) {
        if (!kernelStillShowsIt) {
            return LeakStatus.RECLAIMED_BY_GC;
        }
        boolean settled = socket.isChannel() || now - socket.unreachableAt() >= CLEANER_SETTLE_MILLIS;
        return settled ? LeakStatus.ORPHANED : null;
    }

    /** The status a report shows: an {@code OPEN} finding closed since, before the scan caught up, is closed late. */
    static LeakStatus asReported(LeakStatus status, long closedAt) {
        return status == LeakStatus.OPEN && closedAt != Finding.NEVER ? LeakStatus.CLOSED_LATE : status;
    }
}
