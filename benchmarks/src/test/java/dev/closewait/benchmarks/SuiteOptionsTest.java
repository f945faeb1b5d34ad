package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The names {@code --only} takes: each listed by {@code --help}, each run by the suite. */
class SuiteOptionsTest {

    @TempDir
    Path dir;

    private SuiteOptions parse(String... args) throws IOException {
        Path agent = Files.createFile(dir.resolve("closewait-agent.jar"));
        String[] all = new String[args.length + 2];
        all[0] = "--agent";
        all[1] = agent.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return SuiteOptions.parse(all);
    }

    @Test
    void onlyRunsTheScanWithExtraStatesAndTheSeriesMemoryWhenNamed() throws IOException {
        SuiteOptions options = parse("--only", "scan-states,series-memory");
        assertTrue(options.runs("scan-states"));
        assertTrue(options.runs("series-memory"));
        assertFalse(options.runs("scan"));
        assertFalse(options.runs("memory"));
    }

    @Test
    void helpListsEveryBenchmarkName() {
        for (String name : SuiteOptions.BENCHMARKS) {
            assertTrue(SuiteOptions.USAGE.contains(name), name + " not in --help:\n" + SuiteOptions.USAGE);
        }
        assertTrue(SuiteOptions.BENCHMARKS.containsAll(List.of("scan-states", "series-memory")));
    }

    @Test
    void everyBenchmarkHasItsPlaceInTheRunOrder() {
        assertEquals(SuiteOptions.BENCHMARKS.size(), SuiteOptions.RUN_ORDER.size());
        assertTrue(SuiteOptions.RUN_ORDER.containsAll(SuiteOptions.BENCHMARKS));
    }

    @Test
    void anUnknownNameIsRefusedWithTheKnownOnes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--only", "scan-state"));
        assertTrue(refused.getMessage().contains("series-memory"), refused.getMessage());
    }
}
