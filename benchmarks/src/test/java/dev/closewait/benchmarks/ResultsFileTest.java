package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsFileTest {

    private final List<Result> results = List.of(
            new Result("socket churn", "40.0 us/op", "41.0 us/op", "ratio 1.025 (1.01–1.04)", "ratio ≤ 1.03",
                    Result.Verdict.MET, "JMH details"),
            new Result("start-up", "60 ms", "500 ms", "+440 ms", "≤ +300 ms", Result.Verdict.MISSED, null));

    @Test
    void summaryTableHasOneRowPerResultWithItsVerdict() {
        List<String> lines = ResultsFile.table(results).lines().toList();
        assertEquals(4, lines.size());
        assertEquals("| socket churn | 40.0 us/op | 41.0 us/op | ratio 1.025 (1.01–1.04) | ratio ≤ 1.03 | met |",
                lines.get(2));
        assertTrue(lines.get(3).endsWith("| **missed** |"), lines.get(3));
    }

    @Test
    void durationsReadAsMinutesAndSeconds() {
        assertEquals("4 min 5 s", ResultsFile.minutesAndSeconds(Duration.ofSeconds(245)));
        assertEquals("59 s", ResultsFile.minutesAndSeconds(Duration.ofSeconds(59)));
    }
}
