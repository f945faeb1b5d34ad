package dev.closewait.agent.output;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OutputsTest {

    @TempDir
    Path dir;

    private static final LeakReport EMPTY = new LeakReport(1, 0, 0, 0, 1000, List.of());

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void closingOutputsReleasesTheLogFileSoReconfiguringLeaksNoDescriptor() throws IOException {
        AgentOptions options = AgentOptions.parse("log=" + dir.resolve("cw.log") + ",report=" + dir.resolve("r.json"));
        Outputs.open(options, () -> EMPTY, message -> { }).close(); // first use loads what it needs
        long before = openDescriptors();
        for (int i = 0; i < 50; i++) {
            Outputs.open(options, () -> EMPTY, message -> { }).close();
        }
        assertEquals(before, openDescriptors(), "50 reconfigurations, no descriptor more");
    }

    @Test
    void aThreadWithAnInterruptPendingWritesTheLogAndTheReportAndKeepsItsInterrupt() throws IOException {
        Path log = dir.resolve("cw.log");
        Path report = dir.resolve("r.json");
        List<String> warnings = new ArrayList<>();
        Outputs outputs = Outputs.open(AgentOptions.parse("log=" + log + ",report=" + report), () -> EMPTY, warnings::add);
        try {
            Thread.currentThread().interrupt(); // a test that caught an InterruptedException and restored it, then scanNow()
            outputs.log().note("first");
            outputs.changed(ScanOutcome.NONE, new LeakReport(1, 5_000, 3, 0, 1000, List.of()));
            assertTrue(Thread.interrupted(), "the caller's interrupt is still pending");
            outputs.log().note("second");
        } finally {
            Thread.interrupted();
            outputs.close();
        }
        assertEquals(List.of("[closewait] first", "[closewait] second"), Files.readAllLines(log),
                "the log's channel stayed open");
        assertTrue(Files.readString(report).contains("\"tracked\": 3"), Files.readString(report));
        assertEquals(List.of(), warnings);
    }

    /**
     * Interrupts that land during a write close a file channel whatever was pending before: the
     * stream opens the file again and writes the rest. On a stream that did not, the log took
     * nothing more after the first such interrupt.
     */
    @Test
    void interruptsArrivingDuringWritesLoseNoLineOfTheLogAndNoReport() throws Exception {
        Path log = dir.resolve("cw.log");
        Path report = dir.resolve("r.json");
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        Outputs outputs = Outputs.open(AgentOptions.parse("log=" + log + ",report=" + report), () -> EMPTY, warnings::add);
        int lines = 3_000;
        List<String> expected = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong interrupts = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < lines; i++) {
                outputs.log().note("line " + i + " " + "x".repeat(i % 200));
                if (i % 100 == 0) {
                    outputs.changed(ScanOutcome.NONE, new LeakReport(1, 5_000, i, 0, 1000, List.of()));
                }
            }
            done.set(true);
        }, "writer");
        for (int i = 0; i < lines; i++) {
            expected.add("[closewait] line " + i + " " + "x".repeat(i % 200));
        }
        writer.start();
        while (!done.get()) { // an interrupt every 10 µs: many land during a write, few twice in one
            writer.interrupt();
            interrupts.incrementAndGet();
            long next = System.nanoTime() + 10_000;
            while (System.nanoTime() < next) {
                Thread.onSpinWait();
            }
        }
        writer.join();
        outputs.close();
        assertTrue(interrupts.get() > lines / 10, "the writer was interrupted " + interrupts + " times");
        List<String> written = Files.readAllLines(log);
        int first = 0;
        while (first < Math.min(expected.size(), written.size()) && expected.get(first).equals(written.get(first))) {
            first++;
        }
        assertEquals(expected.size(), first, "every line once, in order; the first that is not: line " + first + " of "
                + written.size() + ", " + (first < written.size() ? written.get(first) : "(none)"));
        assertEquals(expected.size(), written.size());
        assertTrue(Files.readString(report).contains("\"tracked\": " + (lines - 100)), Files.readString(report));
        assertEquals(List.of(), warnings);
    }

    @Test
    void pidInAPathIsThisProcesssId() throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        Outputs outputs = Outputs.open(AgentOptions.parse("report=" + dir.resolve("leaks-{pid}.json") + ",log="
                + dir.resolve("cw-{pid}.log")), () -> EMPTY, message -> { });
        assertEquals(dir.resolve("leaks-" + pid + ".json").toString(), outputs.reportLocation());
        assertEquals(dir.resolve("cw-" + pid + ".log").toString(), outputs.log().toString());
        assertTrue(Files.isRegularFile(dir.resolve("leaks-" + pid + ".json")));
        outputs.close();
    }

    @Test
    void aFifoAtTheLogsPathIsRefusedWithoutWaitingForAReader() throws Exception {
        Path fifo = dir.resolve("cw.log");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());

        IOException refused = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> assertThrows(
                IOException.class, () -> Outputs.open(AgentOptions.parse("log=" + fifo), () -> EMPTY, message -> { })));

        assertEquals("cannot write the log file " + fifo + " (option 'log'): it is a FIFO, whose open would wait for a"
                + " reader: closewait does not write to one", refused.getMessage());
    }

    @Test
    void aLogAnotherUserPutThereFirstIsRefusedAndAnEarlierLogOfThisUsersIsAppendedTo() throws IOException {
        Path mine = Files.writeString(dir.resolve("mine.log"), "an earlier run\n");
        Outputs.open(AgentOptions.parse("log=" + mine), () -> EMPTY, message -> { }).close();
        assertTrue(Files.readString(mine).startsWith("an earlier run\n"), "appended to, not replaced");

        assumeTrue("root".equals(System.getProperty("user.name")), "a file of user nobody's can only be made by root");
        Path planted = Files.createFile(dir.resolve("planted.log"));
        Files.setOwner(planted, planted.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        IOException refused = assertThrows(IOException.class,
                () -> Outputs.open(AgentOptions.parse("log=" + planted), () -> EMPTY, message -> { }));
        assertEquals("cannot write the log file " + planted + " (option 'log'): it belongs to nobody, not to root:"
                + " closewait appends only to a file of its own user", refused.getMessage());
        assertEquals(0, Files.size(planted), "nothing was written to it");
    }

    @Test
    void aLogThatIsADirectoryIsRefusedSayingSo() {
        IOException refused = assertThrows(IOException.class,
                () -> Outputs.open(AgentOptions.parse("log=" + dir), () -> EMPTY, message -> { }));

        assertEquals("cannot write the log file " + dir + " (option 'log'): Is a directory", refused.getMessage());
    }

    @Test
    void aReportThatCannotBeWrittenNamesItsOption() {
        AgentOptions options = AgentOptions.parse("report=" + dir.resolve("missing/r.json"));
        IOException refused = assertThrows(IOException.class, () -> Outputs.open(options, () -> EMPTY, message -> { }));
        assertTrue(refused.getMessage().contains("(option 'report')"), refused.getMessage());
    }

    @Test
    void logOffWritesNothingAnywhereAndAReportFailureLaterIsOneWarning() throws IOException {
        List<String> warnings = new ArrayList<>();
        Path report = dir.resolve("r.json");
        Outputs outputs = Outputs.open(AgentOptions.parse("log=off,report=" + report), () -> EMPTY, warnings::add);
        assertEquals("off", outputs.log().toString());
        Files.delete(report);
        Files.createDirectory(report); // the report's path is now a directory: every write fails
        outputs.changed(ScanOutcome.NONE, EMPTY);
        outputs.changed(ScanOutcome.NONE, EMPTY);
        assertEquals(1, warnings.size(), "the same problem is said once: " + warnings);
        assertTrue(warnings.get(0).contains("cannot write the report file " + report), warnings.get(0));
        assertFalse(Files.isRegularFile(report));
        outputs.close();
    }

    @Test
    void aLogPathThatIsALinkIsRefusedAndANewLogIsTheOwnersOnly() throws IOException {
        Path precious = Files.writeString(dir.resolve("precious"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("cw.log"), precious);
        IOException refused = assertThrows(IOException.class,
                () -> Outputs.open(AgentOptions.parse("log=" + link), () -> EMPTY, message -> { }));
        assertEquals("cannot write the log file " + link + " (option 'log'): it is a symbolic link, which closewait"
                + " does not follow", refused.getMessage());
        assertEquals("keep", Files.readString(precious));
        Path log = dir.resolve("new.log");
        Outputs.open(AgentOptions.parse("log=" + log), () -> EMPTY, message -> { }).close();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
    }

    @Test
    void theHtmlPageIsWrittenAtStartUpAndWheneverTheReportIsOwnerOnlyWithThePidInItsName() throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        Path report = dir.resolve("leaks-" + pid + ".json");
        Path page = dir.resolve("leaks-" + pid + ".html");
        Outputs outputs = Outputs.open(AgentOptions.parse("log=off,report=" + dir.resolve("leaks-{pid}.json")
                + ",html=" + dir.resolve("leaks-{pid}.html")), () -> EMPTY, message -> { });
        assertEquals(page.toString(), outputs.htmlLocation());
        assertTrue(Files.readString(page).contains("No leak listed."), "written at start-up, like the report");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(page)));

        LeakReport leaked = new LeakReport(1, 1000, 1, 1, 1000,
                List.of(dev.closewait.agent.testing.TestFindings.open()));
        outputs.changed(ScanOutcome.NONE, leaked);
        String html = Files.readString(page);
        assertTrue(html.contains("<li class=\"app\">com.example.OrderDao.load(OrderDao.java:42)</li>"), html);
        assertTrue(Files.readString(report).contains("com.example.OrderDao.load(OrderDao.java:42)"));
        outputs.finished(ScanOutcome.NONE, EMPTY);
        assertTrue(Files.readString(page).contains("No leak listed."), "rewritten at exit");
        outputs.close();
    }

    @Test
    void aPageThatCannotBeWrittenNamesItsOptionAndLaterFailuresAreOneWarning() throws IOException {
        IOException refused = assertThrows(IOException.class,
                () -> Outputs.open(AgentOptions.parse("log=off,html=" + dir.resolve("missing/p.html")), () -> EMPTY, m -> { }));
        assertTrue(refused.getMessage().contains("(option 'html')"), refused.getMessage());

        Path precious = Files.writeString(dir.resolve("precious"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("p.html"), precious);
        List<String> warnings = new ArrayList<>();
        Outputs outputs = Outputs.open(AgentOptions.parse("log=off,html=" + dir.resolve("q.html")), () -> EMPTY, warnings::add);
        Files.delete(dir.resolve("q.html"));
        Files.createDirectory(dir.resolve("q.html"));
        outputs.changed(ScanOutcome.NONE, EMPTY);
        outputs.changed(ScanOutcome.NONE, EMPTY);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("cannot write the HTML page " + dir.resolve("q.html")), warnings.get(0));
        outputs.close();

        Outputs.open(AgentOptions.parse("log=off,html=" + link), () -> EMPTY, m -> { }).close();
        assertEquals("keep", Files.readString(precious), "the link is replaced, never written through");
        assertTrue(Files.isRegularFile(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }
}
