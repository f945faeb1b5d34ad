package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;

import java.util.List;

/**
 * Connections this JVM closed (or shut down the output of) whose peer never sent its own FIN: the
 * kernel holds them in FIN_WAIT_2, per remote endpoint. The report's {@code peersNotClosing[]}:
 * the peer is the one that leaks (a service can name the clients that do).
 */
public final class PeerNotClosing {

    private final Endpoint remote;
    private final boolean accepted;
    private final int count;
    private final int halfClosed;
    private final long oldestSince;
    private final boolean seenBefore;
    private final List<String> openedBy;
    private final List<String> closedBy;
    private final List<HalfClosed> sockets;

    /** A socket the application still owns, its output shut down, the peer silent for {@code grace} or more. */
    public static final class HalfClosed {
        private final long id;
        private final Endpoint local;
        private final long since;
        private final List<String> stack;

        public HalfClosed(long id, Endpoint local, long since, List<String> stack) {
            this.id = id;
            this.local = local;
            this.since = since;
            this.stack = List.copyOf(stack);
        }

        public long id() {
            return id;
        }

        public Endpoint local() {
            return local;
        }

        /** When a scan first saw it in FIN_WAIT_2. */
        public long since() {
            return since;
        }

        /** Its creation stack. */
        public List<String> stack() {
            return stack;
        }
    }

    public PeerNotClosing(Endpoint remote, boolean accepted, int count, int halfClosed, long oldestSince,
                          boolean seenBefore, List<String> openedBy, List<String> closedBy, List<HalfClosed> sockets) {
        this.remote = remote;
        this.accepted = accepted;
        this.count = count;
        this.halfClosed = halfClosed;
        this.oldestSince = oldestSince;
        this.seenBefore = seenBefore;
        this.openedBy = openedBy == null ? null : List.copyOf(openedBy);
        this.closedBy = closedBy == null ? null : List.copyOf(closedBy);
        this.sockets = List.copyOf(sockets);
    }

    /** The remote endpoint connected to; for {@link #accepted()} connections, the client host (port 0). */
    public Endpoint remote() {
        return remote;
    }

    /** Whether this JVM accepted these connections: the peer is a client that does not finish closing. */
    public boolean accepted() {
        return accepted;
    }

    /** Sockets of this JVM to {@code remote} in FIN_WAIT_2. */
    public int count() {
        return count;
    }

    /** How many of them the application still owns (it shut down their output; they are not closed). */
    public int halfClosed() {
        return halfClosed;
    }

    /** When the oldest of them was first seen in FIN_WAIT_2. */
    public long oldestSince() {
        return oldestSince;
    }

    /**
     * Whether a scan before the last one saw one of its rows too. A peer whose rows only the last
     * scan saw is as likely closing as not finishing its close: the report lists it, the summary
     * and the log do not name it.
     */
    public boolean seenBefore() {
        return seenBefore;
    }

    /** The stack that opened one of them, where the agent saw it; {@code null} if not known. */
    public List<String> openedBy() {
        return openedBy;
    }

    /** The stack that closed one of them, where the agent kept it; {@code null} if not known. */
    public List<String> closedBy() {
        return closedBy;
    }

    /** The half-closed sockets the application owns, past {@code grace}, each with its stack. */
    public List<HalfClosed> sockets() {
        return sockets;
    }
}
