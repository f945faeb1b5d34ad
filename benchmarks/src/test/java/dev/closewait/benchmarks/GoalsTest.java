package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoalsTest {

    private static Stats.Estimate ratio(double value, double low, double high) {
        return new Stats.Estimate(value, low, high);
    }

    @Test
    void aMedianGoalIsMetByTheMedianAndSaysWhenTheIntervalReachesPastIt() {
        Goals.RatioGoal goal = Goals.RatioGoal.atMost(1.03);

        assertEquals(Result.Verdict.MET, goal.verdict(ratio(1.02, 0.99, 1.05)));
        assertEquals(Result.Verdict.MISSED, goal.verdict(ratio(1.04, 1.01, 1.06)));
        assertTrue(goal.intervalNote(ratio(1.04, 1.01, 1.06)).contains("within noise"));
        assertEquals("", goal.intervalNote(ratio(1.08, 1.05, 1.12)));
        assertEquals("ratio ≤ 1.03", goal.text());
    }

    @Test
    void aWholeIntervalGoalIsMissedByAnIntervalThatReachesPastIt() {
        Goals.RatioGoal goal = Goals.RatioGoal.wholeIntervalAtMost(1.02);

        assertEquals(Result.Verdict.MISSED, goal.verdict(ratio(1.01, 0.97, 1.06)), "a median under the goal is not enough");
        assertTrue(goal.intervalNote(ratio(1.01, 0.97, 1.06)).contains("reaches past it"));
        assertEquals(Result.Verdict.MET, goal.verdict(ratio(1.00, 0.98, 1.02)));
    }

    @Test
    void noCostIsMetOnlyByANarrowIntervalAroundOne() {
        Goals.RatioGoal goal = Goals.RatioGoal.noCost(0.05);

        assertEquals(Result.Verdict.MET, goal.verdict(ratio(1.01, 0.98, 1.04)));
        assertEquals(Result.Verdict.UNDECIDED, goal.verdict(ratio(1.05, 0.81, 1.43)), "too wide to tell");
        assertTrue(goal.intervalNote(ratio(1.05, 0.81, 1.43)).contains("too wide"));
        assertEquals(Result.Verdict.MISSED, goal.verdict(ratio(1.06, 1.02, 1.09)), "a cost shown is a cost");
        assertEquals("ratio 1.00 within noise (interval in 0.95–1.05)", goal.text());
    }

    @Test
    void theSuitesGoalsAreThoseOfThePerformanceIssue() {
        assertEquals(1.03, Goals.SOCKET_CHURN.limit());
        assertEquals(1.03, Goals.CONCURRENT_CHURN.limit());
        assertEquals(1.10, Goals.VIRTUAL_THREAD_CHURN.limit());
        assertEquals(Goals.Rule.INTERVAL_AT_MOST, Goals.JDBC_CHURN.rule());
        assertEquals(2, Goals.SCAN_MILLIS);
        assertEquals(150, Goals.FIRST_CONNECTION_MILLIS);
        assertEquals(200, Goals.BYTES_PER_SOCKET);
    }
}
