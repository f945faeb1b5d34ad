package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.TcpConnection;
import dev.closewait.agent.track.ConnectionKey;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.TrackedSocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the last pass over every open socket left a scan to look at, so that the scans after it
 * look at those sockets only, while no row of the kernel's table could match another one.
 *
 * <p>A scan matches the CLOSE_WAIT and FIN_WAIT_2 rows to the open sockets, thousands of them,
 * few of which ever match. A pass remembers the sockets that matched a row, had been seen in
 * CLOSE_WAIT, or are matched by inode, and the two ports ({@code localPort << 16 | remotePort}) of
 * every socket matched by key, in a set of {@code int}s (about 6 bytes per open socket). A row can
 * only match a socket with its two ports. A later scan may skip the pass when
 * <ul>
 *   <li>no socket was numbered since, and none between this pass and the one before it (a socket is
 *       numbered just before it enters the registry: one whose entry came after the earlier pass
 *       walked past its place was seen by the later one, a scan interval on);</li>
 *   <li>each row it read has ports that no socket of the pass has (other processes' rows; the other
 *       end of one of this JVM's connections has them the other way round), or that one socket only
 *       has, a remembered one.</li>
 * </ul>
 * The sockets looked at are then the same, in the same order, and find the same rows, as a pass
 * would: only the sockets that no row can match are left out. No row is kept from scan to scan.
 */
final class MatchedSockets {

    private static final int MIN_SLOTS = 1024;

    private final List<TrackedSocket> remembered = new ArrayList<>();
    /**
     * The ports of every socket of the last pass matched by key, in open addressing (0: a free
     * slot; no connected socket has port 0); a power of two long.
     */
    private int[] keyPorts = new int[0];
    private int keyPortsCount;
    /** The ports of the remembered sockets matched by key; and ports that two sockets of the pass or more have (rare). */
    private final Set<Integer> rememberedPorts = new HashSet<>();
    private final Set<Integer> sharedPorts = new HashSet<>();
    /** {@link SocketRegistry#trackedCount()} when the last pass started, and the pass before it; -1: none. */
    private long trackedAtPass = -1;
    private long trackedAtPassBefore = -1;

    /**
     * Whether a scan that read these rows, with {@code tracked} sockets numbered so far, may look at
     * the {@link #remembered} sockets only.
     */
    boolean passNeedless(long tracked, Map<ConnectionKey, TcpConnection> closeWait,
                         Map<ConnectionKey, TcpConnection> finWait2) {
        return tracked == trackedAtPass && trackedAtPass == trackedAtPassBefore
                && onlyRemembered(closeWait) && onlyRemembered(finWait2);
    }

    /** Whether each of these rows can match no socket of the pass but a remembered one. */
    private boolean onlyRemembered(Map<ConnectionKey, TcpConnection> rows) {
        for (ConnectionKey key : rows.keySet()) {
            int ports = key.localPort() << 16 | key.remote().port();
            if (hasPorts(ports) && (sharedPorts.contains(ports) || !rememberedPorts.contains(ports))) {
                return false;
            }
        }
        return true;
    }

    /** A pass over every open socket starts: {@link #saw} hears of each. */
    void passStarts(long tracked, int openSockets) {
        trackedAtPassBefore = trackedAtPass;
        trackedAtPass = tracked;
        remembered.clear();
        rememberedPorts.clear();
        sharedPorts.clear();
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
        if (socket.matchedByInode()) {
            return; // matched by inode, and remembered
        }
        int ports = socket.ports(); // its own field: the remote endpoint's object is not read
        if (keyPortsCount + 1 > keyPorts.length * 3 / 4) { // sockets opened while the pass went on
            int[] all = keyPorts;
            keyPorts = new int[all.length * 2];
            keyPortsCount = 0;
            for (int kept : all) {
                if (kept != 0) {
                    addPorts(kept);
                }
            }
        }
        if (!addPorts(ports)) {
            sharedPorts.add(ports);
        }
        if (again) {
            rememberedPorts.add(ports);
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

    private boolean hasPorts(int ports) {
        if (keyPorts.length == 0) {
            return true; // no pass yet
        }
        int mask = keyPorts.length - 1;
        for (int slot = slot(ports) & mask; ; slot = slot + 1 & mask) {
            int there = keyPorts[slot];
            if (there == ports) {
                return true;
            }
            if (there == 0) {
                return false;
            }
        }
    }

    /** Adds {@code ports}; {@code false} if they were there already. */
    private boolean addPorts(int ports) {
        int mask = keyPorts.length - 1;
        for (int slot = slot(ports) & mask; ; slot = slot + 1 & mask) {
            if (keyPorts[slot] == ports) {
                return false;
            }
            if (keyPorts[slot] == 0) {
                keyPorts[slot] = ports;
                keyPortsCount++;
                return true;
            }
        }
    }

    /** The slot of {@code ports} to start from: the best mixed (top) bits of the key's hash. */
    private static int slot(int ports) {
        return Integer.rotateLeft(ConnectionKey.keyHash(ports), 16);
    }
}
