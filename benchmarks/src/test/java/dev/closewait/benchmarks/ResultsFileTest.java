package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsFileTest {

    private final List<Result> results = List.of(
            new Result("socket churn", "40.0 us/op", "41.0 us/op", "ratio 1.025 (1.01–1.04)", "ratio ≤ 1.03",
                    Result.Verdict.MET, "JMH details"),
            new Result("start-up", "60 ms", "500 ms", "+440 ms", "≤ +300 ms", Result.Verdict.MISSED, null));

    @Test
    void summaryTableHasOneRowPerResultWithItsVerdict() {
        List<String> lines = ResultsFile.table(results, false).lines().toList();
        assertEquals(4, lines.size());
        assertEquals("| socket churn | 40.0 us/op | 41.0 us/op | ratio 1.025 (1.01–1.04) | ratio ≤ 1.03 | met |",
                lines.get(2));
        assertTrue(lines.get(3).endsWith("| **missed** |"), lines.get(3));
    }

    @Test
    void withAPeerTheTableHasTheClosewaitAndPeerColumnsAndDashesWhereThePeerDidNotRun() {
        List<Result> rows = List.of(
                results.get(0).withPeer(new Result.Peer("44.0 us/op", "ratio 1.100 (1.05–1.15)")),
                new Result("scan, 10,000 connections", "—", "4.00 ms", "4.00 ms", "≤ 5 ms", Result.Verdict.MET, null)
                        .withPeer(Result.Peer.notApplicable("not run: closewait's own scan")),
                Result.skipped("JDBC churn (pgjdbc)", "ratio ≤ 1.02", "PostgreSQL is not reachable"));
        List<String> lines = ResultsFile.table(rows, true).lines().toList();
        assertEquals(5, lines.size());
        assertEquals("| benchmark | without agent | closewait | peer | closewait: measured | peer: measured | goal | verdict |",
                lines.get(0));
        assertEquals("|---|---|---|---|---|---|---|---|", lines.get(1));
        assertEquals("| socket churn | 40.0 us/op | 41.0 us/op | 44.0 us/op | ratio 1.025 (1.01–1.04)"
                + " | ratio 1.100 (1.05–1.15) | ratio ≤ 1.03 | met |", lines.get(2));
        assertEquals("| scan, 10,000 connections | — | 4.00 ms | — | 4.00 ms | not run: closewait's own scan | ≤ 5 ms | met |",
                lines.get(3));
        assertEquals("| JDBC churn (pgjdbc) | — | — | — | — | — | ratio ≤ 1.02 | skipped |", lines.get(4));
    }

    @Test
    void theResultsFileNamesThePeerAgentAndItsTableHasThePeerColumn(@TempDir Path dir) throws IOException {
        Path agent = Files.createFile(dir.resolve("closewait-agent.jar"));
        Path peer = dir.resolve("file-leak-detector-jar-with-dependencies.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", "org.kohsuke.file_leak_detector.AgentMain");
        try (OutputStream file = Files.newOutputStream(peer); JarOutputStream out = new JarOutputStream(file, manifest)) {
            // the manifest alone
        }
        SuiteOptions options = SuiteOptions.parse(new String[] {"--agent", agent.toString(), "--peer-agent",
                peer + "=threshold=100000"});
        String md = ResultsFile.render(List.of(results.get(0).withPeer(new Result.Peer("44.0 us/op", "ratio 1.100"))),
                new LinkedHashMap<>(), options, ZonedDateTime.now(), Duration.ofSeconds(61));
        assertTrue(md.contains("| peer agent | `-javaagent:" + peer.toAbsolutePath() + "=threshold=100000`: "
                + "`file-leak-detector-jar-with-dependencies.jar`, SHA-256 "), md);
        assertTrue(md.contains("| agent | `-javaagent:" + agent.toAbsolutePath() + "=log=off` "), "a jar from outside"
                + " the repository by its absolute path: " + md);
        assertTrue(md.contains("| socket churn | 40.0 us/op | 41.0 us/op | 44.0 us/op |"), md);
        assertTrue(md.contains("with the peer agent"), md);
        assertTrue(md.contains("--peer-agent " + peer + "=threshold=100000"), md);
    }

    @Test
    void durationsReadAsMinutesAndSeconds() {
        assertEquals("4 min 5 s", ResultsFile.minutesAndSeconds(Duration.ofSeconds(245)));
        assertEquals("59 s", ResultsFile.minutesAndSeconds(Duration.ofSeconds(59)));
    }
}
