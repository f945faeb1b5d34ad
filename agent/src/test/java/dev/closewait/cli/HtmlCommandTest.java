package dev.closewait.cli;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.testing.TestFindings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code html REPORT.json [-o FILE]}: exit statuses, where the page goes, and how it is written. */
class HtmlCommandTest {

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run html(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] line = new String[args.length + 1];
        line[0] = "html";
        System.arraycopy(args, 0, line, 1, args.length);
        int status = CloseWaitCli.execute(line, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private Path report(String name) throws IOException {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(new LeakReport(4242, TestFindings.at("2026-11-21T10:15:30Z"), 3, 1, 10_000,
                List.of(TestFindings.open(), TestFindings.closedLate())), json);
        return Files.write(dir.resolve(name), json.toByteArray());
    }

    @Test
    void writesThePageNextToTheReportOwnerOnlyAndExitsZero() throws IOException {
        Path report = report("leaks-4242.json");
        Run run = html(report.toString());
        assertEquals(0, run.status(), run.err());
        Path page = dir.resolve("leaks-4242.html");
        assertTrue(run.out().contains("closewait html: " + page + " (2 leaks of " + report + ")"), run.out());
        String html = Files.readString(page);
        assertTrue(html.contains("<li class=\"app\">com.example.OrderDao.load(OrderDao.java:42)</li>"), html);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(page)));
        try (var left = Files.list(dir)) {
            assertEquals(2, left.count(), "no temporary file is left");
        }
    }

    @Test
    void writesWhereDashOSays() throws IOException {
        Path report = report("r.json");
        Path page = dir.resolve("out/page.htm");
        Files.createDirectories(page.getParent());
        Run run = html(report.toString(), "-o", page.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(Files.readString(page).startsWith("<!DOCTYPE html>"));
    }

    @Test
    void theAppOptionHighlightsOnlyThosePackages() throws IOException {
        Path report = report("r.json");
        Run run = html(report.toString(), "--app", "com.example.OrderService");
        assertEquals(0, run.status(), run.err());
        String html = Files.readString(dir.resolve("r.html"));
        assertTrue(html.contains("<li>com.example.OrderDao.load(OrderDao.java:42)</li>"), html);
        assertTrue(html.contains("<li class=\"app\">com.example.OrderService.find(OrderService.java:17)</li>"), html);
    }

    @Test
    void aMissingReportIsStatusTwoAndNoPage() {
        Run run = html(dir.resolve("missing.json").toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("closewait: no such file: " + dir.resolve("missing.json")), run.err());
        assertFalse(Files.exists(dir.resolve("missing.html")));
    }

    @Test
    void aMalformedOrInconsistentReportIsStatusTwo() throws IOException {
        Path truncated = Files.writeString(dir.resolve("t.json"), "{\"tool\": \"closewait\", \"version\": ");
        Run run = html(truncated.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("is not valid JSON at line 1"), run.err());

        String edited = Files.readString(report("e.json")).replace("\"leaks\": 2", "\"leaks\": 1");
        Files.writeString(dir.resolve("e.json"), edited);
        run = html(dir.resolve("e.json").toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("is inconsistent: summary.leaks says 1"), run.err());
        assertFalse(Files.exists(dir.resolve("e.html")));
    }

    @Test
    void aPageThatWouldReplaceTheReportOrCannotBeWrittenIsStatusTwo() throws IOException {
        Path report = report("r.json");
        Run run = html(report.toString(), "-o", report.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("-o names the report itself"), run.err());
        run = html(report.toString(), "-o", dir.resolve("no/such/dir/p.html").toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("cannot write " + dir.resolve("no/such/dir/p.html")), run.err());
    }

    @Test
    void helpSaysWhatItWritesAndTheExitStatuses() {
        Run run = html("--help");
        assertEquals(0, run.status());
        assertTrue(run.out().contains("self-contained HTML"), run.out());
        assertTrue(run.out().contains("Exit status: 0 written; 2 the report is missing"), run.out());
        assertTrue(run.out().contains("-o, --output=FILE"), run.out());
    }
}
