package dev.closewait.it.injvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closewait.agent.OpenSockets;
import dev.closewait.demo.run.KernelSockets;
import dev.closewait.it.Report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent this JVM runs: the {@code injvm} executions of {@code it-tests/pom.xml} put the built,
 * shaded jar on Surefire's argLine. Tests share it, so each one takes a {@link #mark()} first and
 * looks only at the sockets it opened after it (finding ids are the tracked sockets' ids). Scans
 * run on demand ({@link OpenSockets#scanNow()}) rather than waiting for the interval, and the
 * report is the MBean's {@code jsonReport}, the one JConsole and {@code closewait report} read.
 */
final class AgentInThisJvm {

    /** How long a leak may take to be reported: grace is 1 s, but a loaded machine stalls. */
    static final Duration REPORTED = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentInThisJvm() {
    }

    /** Fails (not skips) the test when the agent is missing: the injvm executions always put it there. */
    static void assertRunning() {
        assertTrue(OpenSockets.agentRunning(), "the injvm executions run with -javaagent: on the agent jar"
                + " (it-tests/pom.xml); run these tests through Maven, or add it to the IDE's run configuration");
    }

    /** Sockets tracked from now on have greater ids than this. */
    static long mark() {
        assertRunning();
        return OpenSockets.mark();
    }

    /** Sockets tracked since {@code mark}. */
    static long trackedSince(long mark) {
        return OpenSockets.mark() - mark;
    }

    /** Sockets tracked since {@code mark} and still open now. */
    static int openSince(long mark) {
        return OpenSockets.openedAfter(mark).size();
    }

    /** Scans the kernel's table now, then reads the MBean's JSON report. */
    static Report report() {
        OpenSockets.scanNow();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.closewait:type=LeakDetector");
            assertTrue(server.isRegistered(name), "the agent registers its MBean with the platform MBean server");
            return new Report(JSON.readTree((String) server.invoke(name, "jsonReport", null, null)));
        } catch (JMException | IOException e) {
            throw new AssertionError("the MBean's JSON report", e);
        }
    }

    /** Scans and reads the report until {@code condition} holds; fails with the last report at the deadline. */
    static Report awaitReport(Predicate<Report> condition) throws InterruptedException {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        Report last;
        do {
            last = report();
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the report never met the condition within " + REPORTED + "; last report: " + last.json());
    }

    /**
     * The report accounts for every CLOSE_WAIT socket of this JVM: once grace has passed, its findings
     * that still hold a socket in CLOSE_WAIT ({@code OPEN}, or {@code ORPHANED}: unreachable, the
     * descriptor still held) are as many as the kernel shows for the process. Waits for the two to
     * agree (a socket may still be within grace); fails with both at the deadline.
     */
    static void assertReportMatchesKernel() throws Exception {
        if (!KernelSockets.available()) {
            System.out.println("[it-tests] SKIPPED: the kernel check of the report: " + KernelSockets.class.getSimpleName()
                    + " reads /proc/<pid>/net/tcp, absent here");
            return;
        }
        long pid = ProcessHandle.current().pid();
        long deadline = System.nanoTime() + REPORTED.toNanos();
        Report last;
        Map<String, Integer> kernel;
        do {
            last = report();
            kernel = KernelSockets.closeWaitByRemote(pid);
            if (heldInCloseWait(last) == kernel.values().stream().mapToInt(Integer::intValue).sum()) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the report's findings holding a CLOSE_WAIT socket: " + heldInCloseWait(last)
                + "; the kernel's CLOSE_WAIT sockets of this JVM by remote: " + kernel + "; report: " + last.json());
    }

    private static long heldInCloseWait(Report report) {
        return report.leaks().stream().filter(l -> "CLOSE_WAIT".equals(l.path("state").asText())
                && List.of("OPEN", "ORPHANED").contains(l.path("status").asText())).count();
    }

    /** The findings about sockets tracked after {@code mark}, in report order. */
    static List<JsonNode> leaksSince(Report report, long mark) {
        return report.leaks().stream().filter(l -> l.path("id").asLong() > mark).collect(Collectors.toList());
    }

    /** The finding about the socket with {@code localPort} tracked after {@code mark}, or {@code null}. */
    static JsonNode leak(Report report, long mark, int localPort) {
        return leaksSince(report, mark).stream().filter(l -> l.path("local").asText("").endsWith(":" + localPort))
                .findFirst().orElse(null);
    }

    /** The finding about the socket with remote port {@code remotePort} tracked after {@code mark}, or {@code null}. */
    static JsonNode leakWithRemotePort(Report report, long mark, int remotePort) {
        return leaksSince(report, mark).stream().filter(l -> l.path("remote").asText("").endsWith(":" + remotePort))
                .findFirst().orElse(null);
    }

    /** Whether the socket with {@code localPort} tracked after {@code mark} is a finding with {@code status}. */
    static boolean hasLeak(Report report, long mark, int localPort, String status) {
        JsonNode leak = leak(report, mark, localPort);
        return leak != null && status.equals(leak.path("status").asText());
    }

    /** The agent's human-readable log so far ({@code log=} on the argLine, {@code {pid}} replaced). */
    static String log() {
        String pattern = System.getProperty("closewait.injvm.log");
        assertTrue(pattern != null, "closewait.injvm.log is set by the injvm executions");
        Path log = Path.of(pattern.replace("{pid}", Long.toString(ProcessHandle.current().pid())));
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the agent logged after {@code offset} (a length of {@link #log()} taken earlier). */
    static String logSince(int offset) {
        return log().substring(offset);
    }

    /**
     * The log's block for {@code LEAK #id}, a finding the report already shows: its first line up to
     * the next {@code [closewait]} line; empty if it never comes within {@link #REPORTED}. Waited for:
     * the scanner writes its outputs just after the scan, and a report read in between shows the
     * finding first.
     */
    static String logBlock(long id) throws InterruptedException {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        while (true) {
            String log = log();
            int start = log.indexOf("[closewait] LEAK #" + id + ":");
            if (start >= 0) {
                int end = log.indexOf("\n[closewait]", start + 1);
                return end < 0 ? log.substring(start) : log.substring(start, end);
            }
            if (System.nanoTime() > deadline) {
                return "";
            }
            Thread.sleep(50);
        }
    }

    /**
     * What the log says of leak {@code id}: its block and the lines of its later changes, once
     * {@code told} holds of them (or at the deadline). A finding made before its JDBC connection
     * closed tells that close in a change line of a later scan, not in its block.
     */
    static String logAbout(long id, java.util.function.Predicate<String> told) throws InterruptedException {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        while (true) {
            String about = logBlock(id) + "\n" + log().lines().filter(line -> line.startsWith("[closewait] LEAK #" + id + " ("))
                    .collect(java.util.stream.Collectors.joining("\n"));
            if (told.test(about) || System.nanoTime() > deadline) {
                return about;
            }
            Thread.sleep(50);
        }
    }
}
