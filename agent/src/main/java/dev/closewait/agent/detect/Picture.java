package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.EphemeralPorts;
import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.Origin;
import dev.closewait.agent.track.RemoteActivity;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;
import dev.closewait.agent.track.TrackedSocket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The picture beyond this JVM's leaks, kept from scan to scan: its peers that do not finish closing,
 * port pressure per remote and the time series; which peers and warnings are new to say; and when
 * a picture that moved rewrites the report. The scanner feeds it each scan's rows; it is used under
 * the scanner's lock only.
 */
final class Picture {

    /** How often, at most, a picture that moved (and nothing else) rewrites the report. */
    static final long EVERY_MILLIS = 30_000;
    /**
     * TIME_WAIT rows are in no series: a churning JVM's port pressure rewrites the report once the
     * ports held towards a remote moved by this share of the range.
     */
    static final double PRESSURE_STEP = 0.01;
    /** The port range changes only when an administrator changes it: read again at most this often. */
    static final long PORT_RANGE_EVERY_MILLIS = 60_000;

    private final SocketRegistry registry;
    private final StackFrames frames;
    private final PeersNotClosing peers = new PeersNotClosing();
    private final PortPressure pressure = new PortPressure();
    private final Timeline timeline = new Timeline();

    private List<PeerNotClosing> lastPeers = List.of();
    private List<PortPressureEntry> lastPressure = List.of();
    private final Set<Endpoint> peersSaid = new HashSet<>();
    private final Set<Endpoint> warningsSaid = new HashSet<>();
    private long writtenAt;
    /** Whether the time series moved since the picture was last written. */
    private boolean seriesMoved;
    /** Ports held per remote in the picture last written. */
    private Map<Endpoint, Integer> pressureWritten = Map.of();

    /** The size of the ephemeral port range, and when it was last read (-1: never). */
    private IntSupplier portRange = EphemeralPorts::rangeSize;
    private int portRangeSize;
    private long portRangeReadAt = -1;

    /** {@link #openByRemote()}'s last count, and the tracked and open counts it was made at. */
    private Map<Endpoint, Integer> openCounted = Map.of();
    private long openCountedTracked = -1;
    private int openCountedOpen = -1;

    Picture(SocketRegistry registry, StackFrames frames) {
        this.registry = registry;
        this.frames = frames;
    }

    /**
     * Takes in one scan's rows: FIN_WAIT_2 ones ({@code owned}: those of this JVM's open sockets),
     * TIME_WAIT ones when {@code pressureDue}, and this JVM's CLOSE_WAIT sockets per remote. Adds the
     * peers and warnings not said before to {@code newPeers} and {@code newWarnings}; returns whether
     * the report should be rewritten for the picture (it moved, and the last rewrite is
     * {@link #EVERY_MILLIS} old).
     */
    boolean update(long now, long graceMillis, Map<ConnectionKey, TcpConnection> finWait2,
                   Map<ConnectionKey, TrackedSocket> owned, List<TcpConnection> timeWait,
                   Map<Endpoint, Integer> closeWaitByRemote, boolean pressureDue,
                   List<PeerNotClosing> newPeers, List<PortPressureEntry> newWarnings) {
        registry.forgetIdleRemotes();
        Map<Endpoint, RemoteActivity> activity = new HashMap<>();
        for (RemoteActivity there : registry.remoteActivity()) {
            activity.put(there.remote(), there);
        }
        lastPeers = peers.update(now, graceMillis, new ArrayList<>(finWait2.values()), owned, activity, frames);
        Map<Endpoint, Integer> finWait2ByRemote = new HashMap<>();
        Map<Endpoint, Integer> finWait2OwnedByRemote = new HashMap<>();
        for (PeerNotClosing peer : lastPeers) {
            finWait2ByRemote.put(peer.remote(), peer.count());
            finWait2OwnedByRemote.put(peer.remote(), peer.halfClosed());
        }
        // A move within the interval waits for it to pass, rather than being lost if nothing moves then.
        seriesMoved |= timeline.record(now, closeWaitByRemote, finWait2ByRemote);
        if (pressureDue) {
            lastPressure = pressure.update(now, activity.values(), openByRemote(), closeWaitByRemote, finWait2ByRemote,
                    finWait2OwnedByRemote, timeWait, portRangeSize(now), frames);
        }
        news(newPeers, newWarnings);
        boolean due = (seriesMoved || pressureMoved()) && now - writtenAt >= EVERY_MILLIS;
        if (due || !newPeers.isEmpty() || !newWarnings.isEmpty()) {
            writtenAt = now;
            seriesMoved = false;
            pressureWritten = portsInUse(lastPressure);
        }
        return due;
    }

    List<PeerNotClosing> peers() {
        return lastPeers;
    }

    List<PortPressureEntry> pressure() {
        return lastPressure;
    }

    List<RemoteSeries> series() {
        return timeline.series();
    }

    /** Where the size of the ephemeral port range comes from: a test's scaled range. */
    void usePortRange(IntSupplier range) {
        portRange = range;
        portRangeReadAt = -1;
    }

    private int portRangeSize(long now) {
        if (portRangeReadAt < 0 || now - portRangeReadAt >= PORT_RANGE_EVERY_MILLIS) {
            portRangeSize = portRange.getAsInt();
            portRangeReadAt = now;
        }
        return portRangeSize;
    }

    /**
     * The peers and warnings of this picture not said before (said again once they clear and come
     * back). A peer is news once one of its rows was there at an earlier scan too
     * ({@link PeerNotClosing#seenBefore}).
     */
    private void news(List<PeerNotClosing> newPeers, List<PortPressureEntry> newWarnings) {
        Set<Endpoint> peersNow = new HashSet<>();
        for (PeerNotClosing peer : lastPeers) {
            peersNow.add(peer.remote());
            if (peer.seenBefore() && peersSaid.add(peer.remote())) {
                newPeers.add(peer);
            }
        }
        peersSaid.retainAll(peersNow);
        Set<Endpoint> warningsNow = new HashSet<>();
        for (PortPressureEntry entry : lastPressure) {
            if (entry.warning() != null) {
                warningsNow.add(entry.remote());
                if (warningsSaid.add(entry.remote())) {
                    newWarnings.add(entry);
                }
            }
        }
        warningsSaid.retainAll(warningsNow);
    }

    /**
     * This JVM's open sockets per remote it connected to (native ones aside). Counted again only
     * when a socket was numbered, closed or collected since: the open sockets are the same when
     * neither count moved, and so are their remotes (a socket's own, final).
     */
    private Map<Endpoint, Integer> openByRemote() {
        long tracked = registry.trackedCount();
        int openNow = registry.openCount();
        if (tracked != openCountedTracked || openNow != openCountedOpen) {
            Map<Endpoint, Integer> open = new HashMap<>();
            for (TrackedSocket socket : registry.openSockets()) {
                if (!socket.matchedByInode() && socket.origin() != Origin.ACCEPT) {
                    open.merge(socket.remote(), 1, Integer::sum);
                }
            }
            openCounted = open;
            openCountedTracked = tracked;
            openCountedOpen = openNow;
        }
        return openCounted;
    }

    /** Whether the ports held towards some remote moved by {@link #PRESSURE_STEP} of the range since the picture was written. */
    private boolean pressureMoved() {
        Map<Endpoint, Integer> now = portsInUse(lastPressure);
        int range = lastPressure.isEmpty() ? 0 : lastPressure.get(0).portRange();
        double step = Math.max(1, range * PRESSURE_STEP);
        for (Map.Entry<Endpoint, Integer> entry : now.entrySet()) {
            if (Math.abs(entry.getValue() - pressureWritten.getOrDefault(entry.getKey(), 0)) >= step) {
                return true;
            }
        }
        for (Map.Entry<Endpoint, Integer> written : pressureWritten.entrySet()) {
            if (!now.containsKey(written.getKey()) && written.getValue() >= step) {
                return true;
            }
        }
        return false;
    }

    private static Map<Endpoint, Integer> portsInUse(List<PortPressureEntry> entries) {
        Map<Endpoint, Integer> ports = new HashMap<>();
        for (PortPressureEntry entry : entries) {
            ports.put(entry.remote(), entry.portsInUse());
        }
        return ports;
    }
}
