package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwoMiddleOnes() {
        assertEquals(3, Stats.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void percentilesInterpolateBetweenNeighbours() {
        double[] values = {10, 20, 30, 40, 50};
        assertEquals(10, Stats.percentile(values, 0));
        assertEquals(20, Stats.percentile(values, 25));
        assertEquals(45, Stats.percentile(values, 87.5));
        assertEquals(50, Stats.percentile(values, 100));
    }

    @Test
    void ratioOfMediansOfIdenticalSamplesIsOneWithANullInterval() {
        double[] same = {40, 41, 42, 43, 44};
        Stats.Estimate ratio = Stats.ratioOfMedians(same, same.clone());
        assertEquals(1.0, ratio.value(), 1e-12);
        assertTrue(ratio.low() <= 1.0 && ratio.high() >= 1.0, ratio::toString);
    }

    @Test
    void ratioOfMediansIsAgentOverBaselineAndItsIntervalHoldsIt() {
        double[] baseline = {100, 101, 99, 100, 102, 98, 100, 101};
        double[] agent = {110, 111, 109, 110, 112, 108, 110, 111};
        Stats.Estimate ratio = Stats.ratioOfMedians(agent, baseline);
        assertEquals(1.10, ratio.value(), 1e-9);
        assertTrue(ratio.intervalIncludes(1.10), ratio::toString);
        assertTrue(ratio.low() > 1.0, "a clear 10 % slow-down is not within noise: " + ratio);
    }

    @Test
    void forksThatDisagreeWidenTheIntervalOfTheRatio() {
        List<double[]> baseline = List.of(new double[] {100, 100, 100}, new double[] {100, 100, 100});
        List<double[]> agent = List.of(new double[] {100, 100, 100}, new double[] {120, 120, 120});

        Stats.Estimate ratio = Stats.ratioOfMedians(agent, baseline);

        assertEquals(1.10, ratio.value(), 1e-9);
        assertEquals(1.0, ratio.low(), 1e-9, "both agent forks may be drawn from the fast one");
        assertEquals(1.2, ratio.high(), 1e-9, "or both from the slow one");
    }

    @Test
    void differenceOfMediansIsAgentMinusBaseline() {
        Stats.Estimate added = Stats.differenceOfMedians(new double[] {500, 510, 490}, new double[] {60, 62, 58});
        assertEquals(440, added.value(), 1e-9);
    }
}
