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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = CloseWaitCli.execute(new String[] {"check", file.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
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
}
