package dev.closewait.cli;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.testing.TestFindings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code check} on reports the agent's own writer wrote, and on files it must refuse. */
class CheckCommandTest {

    @TempDir
    Path dir;

    /** One run of {@code check}: its status and what it printed, each run with buffers of its own. */
    private record Run(int status, String out, String err) {
    }

    private Run check(String content) throws IOException {
        Path file = Files.writeString(dir.resolve("leaks.json"), content);
        return checkFile(file);
    }

    private static Run checkFile(Path file) {
        return checkPaths(file);
    }

    private static Run checkPaths(Path... paths) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[paths.length + 1];
        args[0] = "check";
        for (int i = 0; i < paths.length; i++) {
            args[i + 1] = paths[i].toString();
        }
        int status = CloseWaitCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private Path report(String name, List<Finding> leaks) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, written(leaks));
    }

    private static String written(List<Finding> leaks) throws IOException {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(new LeakReport(4242, TestFindings.at("2026-11-21T10:15:30Z"), 12, 9, 10_000,
                leaks), json);
        return json.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aReportWithoutLeaksIsStatus0() throws IOException {
        Run run = check(written(List.of()));
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("no connection leaks"), run::toString);
    }

    @Test
    void leaksAreListedOneLineEachWithTheFirstApplicationFrameAndStatus1() throws IOException {
        Finding viaDriver = TestFindings.open().toBuilder().jdbc(new Finding.Jdbc("jdbc:sqlserver://db:1433", "app",
                "com.microsoft.sqlserver.jdbc.SQLServerDriver", Finding.NEVER, Finding.NEVER, null)).build();
        Run run = check(written(List.of(viaDriver, TestFindings.closedLate())));
        assertEquals(1, run.status(), run::toString);
        String[] lines = run.out().split("\n");
        assertEquals(3, lines.length, run::toString);
        assertTrue(lines[0].contains("2 connection leaks"), lines[0]);
        assertTrue(lines[1].contains("#17") && lines[1].contains("OPEN") && lines[1].contains("127.0.0.1:1433"), lines[1]);
        assertTrue(lines[1].endsWith("com.example.OrderDao.load(OrderDao.java:42)"),
                "JDK and driver frames are skipped: " + lines[1]);
        assertTrue(lines[2].contains("#18") && lines[2].contains("CLOSED_LATE"), lines[2]);
    }

    @Test
    void aConnectionAPoolHoldsIdleIsListedButDoesNotFailTheGate() throws IOException {
        Finding held = TestFindings.open().toBuilder()
                .heldBy(new Finding.HeldBy("HikariCP", "orders", TestFindings.at("2026-11-21T10:15:00Z"))).build();
        Run run = check(written(List.of(held)));
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("no connection leaks in") && run.out().contains("1 more held idle by a pool"),
                run::toString);
        assertTrue(run.out().contains("#17") && run.out().contains("held idle by HikariCP"), run::toString);

        Run both = check(written(List.of(held, TestFindings.closedLate())));
        assertEquals(1, both.status(), "the application's own leak still fails: " + both);
        assertTrue(both.out().contains("1 connection leak in"), both::toString);
    }

    @Test
    void findingsPastTheCapFailTheGateThoughNotListed() throws IOException {
        String json = written(List.of()).replace("\"dropped\": 0", "\"dropped\": 3");
        Run run = check(json);
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.out().contains("3 connection leaks in") && run.out().contains("3 of them past maxFindings"),
                run::toString);
    }

    @Test
    void aTruncatedFileIsStatus2SayingWhere() throws IOException {
        String whole = written(List.of(TestFindings.open()));
        Run run = check(whole.substring(0, whole.length() / 2));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("is not valid JSON at line"), run::toString);
    }

    @Test
    void anotherToolsJsonIsStatus2() throws IOException {
        Run run = check("{\"tool\":\"other\",\"leaks\":[]}");
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("is not a closewait report"), run::toString);
    }

    @Test
    void aSummaryThatDisagreesWithItsListIsStatus2() throws IOException {
        Run run = check(written(List.of(TestFindings.open())).replace("\"leaks\": 1", "\"leaks\": 2"));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("summary.leaks says 2 but the leaks array has 1"), run::toString);
    }

    @Test
    void aLeakWithoutItsStatusIsStatus2NamingIt() throws IOException {
        Run run = check(written(List.of(TestFindings.open())).replace("\"status\": \"OPEN\",", ""));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("leaks[0].status is missing"), run::toString);
    }

    @Test
    void aJsonArrayIsStatus2() throws IOException {
        Run run = check("[1,2]");
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("does not start with a JSON object"), run::toString);
    }

    @Test
    void aMissingFileIsStatus2() {
        Run run = checkFile(dir.resolve("none.json"));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("no such file"), run::toString);
    }

    @Test
    void severalFilesAreListedPerFileWithATotalAndTheLeakyOneMakesStatus1() throws IOException {
        Path clean = report("clean.json", List.of());
        Path leaky = report("leaky.json", List.of(TestFindings.open()));
        Run run = checkPaths(clean, leaky);
        assertEquals(1, run.status(), run::toString);
        List<String> lines = List.of(run.out().split("\n"));
        assertEquals(List.of("closewait check: no connection leaks in " + clean,
                "closewait check: 1 connection leak in " + leaky), List.of(lines.get(0), lines.get(1)), run::toString);
        assertTrue(lines.get(2).contains("#17") && lines.get(2).contains("OPEN"), run::toString);
        assertEquals("closewait check: 1 connection leak in 1 of 2 reports", lines.get(3), run::toString);
        assertEquals(4, lines.size(), run::toString);
    }

    @Test
    void aDirectoryStandsForEveryReportInItAndNamesTheLeakyFile() throws IOException {
        Path reports = dir.resolve("closewait");
        report("closewait/leaks-100.json", List.of());
        Path leaky = report("closewait/leaks-200.json", List.of(TestFindings.open()));
        Files.writeString(reports.resolve("closewait-100.log"), "not a report, not read");
        Files.writeString(reports.resolve(".leaks-300.json.300.tmp"), "a report being written, not read");
        Run run = checkPaths(reports);
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.out().contains("1 connection leak in " + leaky), run::toString);
        assertTrue(run.out().contains("no connection leaks in " + reports.resolve("leaks-100.json")), run::toString);
        assertTrue(run.out().contains("1 connection leak in 1 of 2 reports"), run::toString);
        assertEquals("", run.err(), run::toString);
    }

    @Test
    void aDirectoryOfCleanReportsIsStatus0() throws IOException {
        report("clean/leaks-1.json", List.of());
        report("clean/leaks-2.json", List.of());
        Run run = checkPaths(dir.resolve("clean"));
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("closewait check: no connection leaks in 2 reports"), run::toString);
    }

    @Test
    void anEmptyDirectoryIsStatus2SayingItHoldsNoReport() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "no report here");
        Run run = checkPaths(empty);
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains(empty + " holds no closewait report (no *.json file in it)"), run::toString);
    }

    @Test
    void aFifoGivenAsAReportIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("leaks-1.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());

        Run run = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> checkPaths(fifo));

        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains(fifo + " is not a plain file (a directory, a FIFO or a device): not read"),
                run::toString);
    }

    @Test
    void anEmptyArgumentIsBadInputNotTheWorkingDirectory() throws IOException {
        Run alone = checkPaths(Path.of(""));
        assertEquals(2, alone.status(), alone::toString);
        assertTrue(alone.err().contains("an empty argument names no report (an unset variable?)"), alone::toString);
        assertEquals("", alone.out(), "nothing in the working directory was checked: " + alone);

        Path leaky = report("given/leaks-1.json", List.of(TestFindings.open()));
        Run beside = checkPaths(Path.of(""), leaky);
        assertEquals(2, beside.status(), beside::toString);
        assertTrue(beside.out().contains("1 connection leak in " + leaky), beside::toString);
    }

    @Test
    void aMalformedReportBesideALeakyOneIsStatus2AndTheLeakIsStillListed() throws IOException {
        Path leaky = report("mixed/leaks-1.json", List.of(TestFindings.open()));
        Files.writeString(dir.resolve("mixed/leaks-2.json"), "{\"tool\":");
        Run run = checkPaths(dir.resolve("mixed"));
        assertEquals(2, run.status(), "a report the gate cannot read means it cannot vouch for the run: " + run);
        assertTrue(run.out().contains("1 connection leak in " + leaky), run::toString);
        assertTrue(run.err().contains("leaks-2.json is not valid JSON at line"), run::toString);
    }

    @Test
    void aFileGivenTwiceIsCheckedOnce() throws IOException {
        Path leaky = report("twice/leaks-1.json", List.of(TestFindings.open()));
        Run run = checkPaths(leaky, dir.resolve("twice"));
        assertEquals(1, run.status(), run::toString);
        assertEquals(2, run.out().split("\n").length, "one headline and one leak line: " + run);
    }

    @Test
    void noArgumentIsStatus2() {
        Run run = checkPaths();
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("REPORT.json|DIR"), "the usage names what to give: " + run);
    }

    @Test
    void theOutcomeForOtherToolsSaysTheStatusTheLinesAndTheProblems() throws IOException {
        Path leaky = report("api/leaks-1.json", List.of(TestFindings.open(), TestFindings.closedLate()));
        CheckCommand.Outcome outcome = CheckCommand.check(List.of(dir.resolve("api"), dir.resolve("none")));
        assertEquals(CheckCommand.EXIT_UNREADABLE, outcome.status(), outcome.problems()::toString);
        assertEquals(2, outcome.failingLeaks());
        assertEquals(1, outcome.verdicts().size());
        assertEquals(leaky, outcome.verdicts().get(0).path());
        assertEquals(2, outcome.verdicts().get(0).leakLines().size());
        assertEquals(1, outcome.problems().size(), outcome.problems()::toString);
        assertTrue(outcome.problems().get(0).contains("no such file"), outcome.problems()::toString);
        assertEquals(CheckCommand.EXIT_LEAKS, CheckCommand.check(List.of(leaky)).status());
    }
}
