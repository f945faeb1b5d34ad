package dev.closewait.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** One side of every comparison: the JVM without an agent, with closewait, or with the peer agent of {@code --peer-agent}. */
enum Side {
    WITHOUT, CLOSEWAIT, PEER;

    /**
     * The order the sides run in for round {@code round} (a fork, a start-up): the list rotated by
     * the round, so that over as many rounds as there are sides each side runs once in each place
     * and a slow spell of a shared machine hits them all. For two sides: without, with | with,
     * without | ...
     */
    static List<Side> order(List<Side> sides, int round) {
        List<Side> order = new ArrayList<>(sides.size());
        for (int place = 0; place < sides.size(); place++) {
            order.add(sides.get(Math.floorMod(round + place, sides.size())));
        }
        return order;
    }
}
