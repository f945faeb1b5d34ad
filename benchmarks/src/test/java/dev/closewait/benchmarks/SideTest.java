package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the sides alternate from fork to fork. */
class SideTest {

    private static final List<Side> TWO = List.of(Side.WITHOUT, Side.CLOSEWAIT);
    private static final List<Side> THREE = List.of(Side.WITHOUT, Side.CLOSEWAIT, Side.PEER);

    @Test
    void twoSidesAlternateWithoutWithThenWithWithout() {
        assertEquals(TWO, Side.order(TWO, 0));
        assertEquals(List.of(Side.CLOSEWAIT, Side.WITHOUT), Side.order(TWO, 1));
        assertEquals(TWO, Side.order(TWO, 2));
    }

    @Test
    void threeSidesRotateSoThatEachRunsOnceInEachPlaceOverThreeForks() {
        assertEquals(THREE, Side.order(THREE, 0));
        assertEquals(List.of(Side.CLOSEWAIT, Side.PEER, Side.WITHOUT), Side.order(THREE, 1));
        assertEquals(List.of(Side.PEER, Side.WITHOUT, Side.CLOSEWAIT), Side.order(THREE, 2));
        for (int place = 0; place < 3; place++) {
            Map<Side, Integer> times = new EnumMap<>(Side.class);
            for (int fork = 0; fork < 3; fork++) {
                times.merge(Side.order(THREE, fork).get(place), 1, Integer::sum);
            }
            assertEquals(Map.of(Side.WITHOUT, 1, Side.CLOSEWAIT, 1, Side.PEER, 1), times, "place " + place);
        }
    }

    @Test
    void discardedRoundsBeforeTheFirstRotateToo() {
        // The start-up probe numbers its two discarded rounds -2 and -1.
        assertEquals(TWO, Side.order(TWO, -2));
        assertEquals(List.of(Side.CLOSEWAIT, Side.WITHOUT), Side.order(TWO, -1));
        assertEquals(List.of(Side.CLOSEWAIT, Side.PEER, Side.WITHOUT), Side.order(THREE, -2));
    }
}
