package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.Origin;
import dev.closewait.agent.track.RemoteActivity;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This JVM's sockets in FIN_WAIT_2: it closed them (or shut down their output) and the peer never
 * sent its FIN. A row the application still owns is matched to its tracked socket; a closed one's
 * row has no owner left, and is this JVM's when it used that local port towards that remote moments
 * before. Grouped per peer (the remote endpoint connected to; for accepted connections, the client
 * host), with the stacks that opened and closed them where the agent kept them. A remote whose row
 * is still there at the next scan (so not a close whose FIN was on its way) keeps the stacks of its
 * later closes.
 */
final class PeersNotClosing {

    /** Half-closed sockets named per remote, at most. */
    private static final int NAMED = 20;

    /** When each FIN_WAIT_2 row of this JVM was first seen. */
    private final Map<ConnectionKey, Long> firstSeen = new HashMap<>();

    /**
     * @param rows   the FIN_WAIT_2 rows of the namespace
     * @param owned  those rows the application still owns, by key, with their tracked sockets
     */
    List<PeerNotClosing> update(long now, long grace, List<TcpConnection> rows, Map<ConnectionKey, TrackedSocket> owned,
                                Map<Endpoint, RemoteActivity> activity, StackFrames frames) {
        Map<Endpoint, Group> groups = new LinkedHashMap<>();
        Map<ConnectionKey, Long> seen = new HashMap<>();
        for (TcpConnection row : rows) {
            ConnectionKey key = ConnectionKey.of(row);
            TrackedSocket owner = owned.get(key);
            RemoteActivity there = activity.get(row.remote());
            if (there == null) {
                there = activity.get(row.remote().anyPort()); // a client of this server
            }
            boolean ours = owner != null || row.inode() == TcpConnection.NO_INODE && there != null
                    && there.usedPort(row.local().port());
            if (!ours) {
                continue;
            }
            Long first = firstSeen.get(key);
            long since = first == null ? now : first;
            seen.put(key, since);
            boolean accepted = there != null ? there.accepted() : owner.origin() == Origin.ACCEPT;
            Endpoint peer = there != null ? there.remote() : accepted ? row.remote().anyPort() : row.remote();
            Group group = groups.computeIfAbsent(peer, p -> new Group(p, accepted));
            group.add(row, owner, since, first != null, now - since >= grace, there, frames);
        }
        firstSeen.clear();
        firstSeen.putAll(seen);
        List<PeerNotClosing> peers = new ArrayList<>();
        for (Group group : groups.values()) {
            peers.add(group.view());
        }
        peers.sort((a, b) -> Integer.compare(b.count(), a.count()));
        return peers;
    }

    /** The FIN_WAIT_2 sockets of this JVM towards one remote. */
    private static final class Group {
        final Endpoint remote;
        final boolean accepted;
        int count;
        int halfClosed;
        long oldest = Long.MAX_VALUE;
        boolean seenBefore;
        List<String> openedBy;
        List<String> closedBy;
        final List<PeerNotClosing.HalfClosed> named = new ArrayList<>();

        Group(Endpoint remote, boolean accepted) {
            this.remote = remote;
            this.accepted = accepted;
        }

        void add(TcpConnection row, TrackedSocket owner, long since, boolean seenBefore, boolean pastGrace,
                 RemoteActivity there, StackFrames frames) {
            count++;
            oldest = Math.min(oldest, since);
            this.seenBefore |= seenBefore;
            if (owner != null) {
                halfClosed++;
                if (openedBy == null) {
                    openedBy = owner.stack(frames);
                }
                if (pastGrace && named.size() < NAMED) {
                    named.add(new PeerNotClosing.HalfClosed(owner.id(), row.local(), since, owner.stack(frames)));
                }
                return;
            }
            if (seenBefore) {
                there.suspect(); // not a close in progress: its later closes keep their stack
            }
            for (RemoteActivity.Closed closed : there.lastClosed()) {
                if (closed.localPort() == row.local().port()) {
                    if (openedBy == null) {
                        openedBy = closed.openedBy(frames);
                    }
                    if (closedBy == null) {
                        closedBy = closed.closedBy(frames);
                    }
                }
            }
        }

        PeerNotClosing view() {
            return new PeerNotClosing(remote, accepted, count, halfClosed, oldest, seenBefore, openedBy, closedBy, named);
        }
    }
}
