package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.TrackedSocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the last pass over every open socket left a scan to look at, so that the scans after it
 * look at those sockets only, while no row of the kernel's table could match another one.
 *
 * <p>A scan matches the CLOSE_WAIT and FIN_WAIT_2 rows to the open sockets, thousands of them,
 * few of which ever match. A pass remembers the sockets that matched a row, had been seen in
 * CLOSE_WAIT, or are matched by inode, and the two ports of every socket's key (a set of {@code int}s,
 * about 6 bytes per socket). A later scan may skip the pass when
 * <ul>
 *   <li>no socket was numbered since, and none between this pass and the one before it (a socket is
 *       numbered just before it enters the registry: one whose entry came after the earlier pass
 *       walked past its place was seen by the later one, a scan interval on);</li>
 *   <li>every row it read was in the last scan's rows (whose matches are remembered: a socket's key
 *       never changes), or no socket of the pass has its two ports (rows of other processes: the
 *       other end of one of this JVM's connections has them the other way round).</li>
 * </ul>
 * The sockets looked at are then the same, in the same order, and find the same rows, as a pass
 * would: only the sockets that nothing could have changed are left out.
 */
final class MatchedSockets {

    private static final int MIN_SLOTS = 1024;

    private final List<TrackedSocket> remembered = new ArrayList<>();
    /**
     * The {@code localPort << 16 | remotePort} of every open socket of the last pass matched by key,
     * in open addressing (0: a free slot; no connected socket has port 0); a power of two long.
     */
    private int[] keyPorts = new int[0];
    private int keyPortsCount;
    /** {@link SocketRegistry#trackedCount()} when the last pass started, and the pass before it; -1: none. */
    private long trackedAtPass = -1;
    private long trackedAtPassBefore = -1;
    private Map<ConnectionKey, TcpConnection> lastCloseWait = Map.of();
    private Map<ConnectionKey, TcpConnection> lastFinWait2 = Map.of();

    /**
     * Whether a scan that read these rows, with {@code tracked} sockets numbered so far, may look at
     * the {@link #remembered} sockets only.
     */
    boolean passNeedless(long tracked, Map<ConnectionKey, TcpConnection> closeWait,
                         Map<ConnectionKey, TcpConnection> finWait2) {
        return tracked == trackedAtPass && trackedAtPass == trackedAtPassBefore
                && known(closeWait, lastCloseWait) && known(finWait2, lastFinWait2);
    }

    /** Every row of {@code now} is the same row in {@code before}, or no socket of the pass has its ports. */
    private boolean known(Map<ConnectionKey, TcpConnection> now, Map<ConnectionKey, TcpConnection> before) {
        for (Map.Entry<ConnectionKey, TcpConnection> row : now.entrySet()) {
            TcpConnection was = before.get(row.getKey());
            if ((was == null || was.inode() != row.getValue().inode()) && hasPorts(row.getKey())) {
                return false;
            }
        }
        return true;
    }

    private boolean hasPorts(ConnectionKey key) {
        if (keyPorts.length == 0) {
            return true; // no pass yet
        }
        int ports = key.localPort() << 16 | key.remote().port();
        int mask = keyPorts.length - 1;
        for (int slot = slot(key.keyHash()) & mask; ; slot = slot + 1 & mask) {
            int there = keyPorts[slot];
            if (there == ports) {
                return true;
            }
            if (there == 0) {
                return false;
            }
        }
    }

    /** A pass over every open socket starts: {@link #saw} hears of each. */
    void passStarts(long tracked, int openSockets) {
        trackedAtPassBefore = trackedAtPass;
        trackedAtPass = tracked;
        remembered.clear();
        int slots = MIN_SLOTS;
        while (slots < openSockets + openSockets / 3) {
            slots <<= 1;
        }
        if (slots != keyPorts.length) {
            keyPorts = new int[slots];
        } else {
            Arrays.fill(keyPorts, 0);
        }
        keyPortsCount = 0;
    }

    /** The pass met {@code socket}; {@code again}: the scans after it must look at it too. */
    void saw(TrackedSocket socket, boolean again) {
        if (again) {
            remembered.add(socket);
        }
        if (!socket.matchedByInode()) {
            if (keyPortsCount + 1 > keyPorts.length * 3 / 4) { // sockets opened while the pass went on
                int[] all = keyPorts;
                keyPorts = new int[all.length * 2];
                keyPortsCount = 0;
                for (int ports : all) {
                    if (ports != 0) {
                        addPorts(ports);
                    }
                }
            }
            addPorts(socket.ports()); // its own field: the remote endpoint's object is not read
        }
    }

    /** The hash's best mixed (top) bits first. */
    private static int slot(int hash) {
        return Integer.rotateLeft(hash, 16);
    }

    private void addPorts(int ports) {
        int mask = keyPorts.length - 1;
        for (int slot = slot(ConnectionKey.keyHash(ports)) & mask; ; slot = slot + 1 & mask) {
            if (keyPorts[slot] == ports) {
                return;
            }
            if (keyPorts[slot] == 0) {
                keyPorts[slot] = ports;
                keyPortsCount++;
                return;
            }
        }
    }

    /** The remembered sockets still open, in the order of the pass; those closed or collected since are forgotten. */
    List<TrackedSocket> stillOpen(SocketRegistry registry) {
        for (Iterator<TrackedSocket> it = remembered.iterator(); it.hasNext(); ) {
            if (!registry.isOpen(it.next())) {
                it.remove();
            }
        }
        return remembered;
    }

    /** The rows this scan read, each one matched to what the pass (or the remembered sockets) found for it. */
    void rowsRead(Map<ConnectionKey, TcpConnection> closeWait, Map<ConnectionKey, TcpConnection> finWait2) {
        lastCloseWait = closeWait;
        lastFinWait2 = finWait2;
    }
}
