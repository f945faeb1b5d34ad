package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.tools.attach.VirtualMachine;
import dev.closewait.it.scenarios.AttachTarget;
import dev.closewait.it.scenarios.ReportTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import static dev.closewait.it.EndToEnd.EXIT;
import static dev.closewait.it.EndToEnd.FAST;
import static dev.closewait.it.EndToEnd.REPORTED;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The person with a running JVM full of CLOSE_WAIT sockets: attach with the CLI, read the live
 * report, watch from JMX and JFR; and every refusal, with its message and exit status 2.
 */
class AttachEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A password in the target's program arguments, which {@code list} must not show. */
    private static final String PROGRAM_ARGUMENT_SECRET = "ListSecret1";

    @TempDir
    Path work;

    @AcrossJdks
    void attachedAgentReportsTheSocketLeakedBeforeTheAttachAndTheOneAfterWithItsStack(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path recording = work.resolve("target.jfr");
        try (ScenarioProcess target = ScenarioProcess.startWithoutAgent(jdk, work, AttachTarget.class,
                List.of("-XX:StartFlightRecording=filename=" + recording + ",dumponexit=true"), work.resolve("leaks.json"),
                "jdbc:postgresql://db/shop?password=" + PROGRAM_ARGUMENT_SECRET)) {
            target.awaitStep("first-leaked", REPORTED);
            String pid = target.result("pid");
            int firstPort = target.intResult("firstPort");

            Path cliDirectory = Files.createDirectories(work.resolve("cli"));
            // Options the agent would refuse there are refused here, before its jar reaches the target.
            assertRefused(Cli.runIn(cliDirectory, List.of(), jdk, "attach", pid, "report=no-such-dir/leaks.json"),
                    "the directory of " + cliDirectory.resolve("no-such-dir/leaks.json") + " (option 'report') does not"
                            + " exist; nothing was loaded into JVM " + pid);
            assertFalse(target.stderr().contains("[closewait]") || target.stderr().contains("loaded dynamically"),
                    "the refused attach left the target untouched: " + target.stderr());
            Cli.Run attach = Cli.runIn(cliDirectory, List.of(), jdk, "attach", pid, "interval=200ms,grace=1s,report=leaks.json");
            assertEquals(0, attach.status(), attach.describe());
            assertTrue(attach.out().contains("attached to JVM " + pid), attach.describe());
            assertTrue(Files.exists(cliDirectory.resolve("leaks.json")),
                    "relative paths resolve against the CLI's directory, not the target's: " + attach.describe());
            assertEquals(jdk.feature() >= 21, attach.out().contains("JEP 451"),
                    "the CLI explains the JDK 21+ warning, and only there: " + attach.describe());

            target.proceed();
            target.awaitStep("second-leaked", REPORTED);
            int secondPort = target.intResult("secondPort");

            // The report file the attach asked for shows both once found (a JVM for each poll of the live
            // report would cost seconds on a loaded machine); then the live report, once.
            Path reportFile = cliDirectory.resolve("leaks.json");
            awaitReportFile(reportFile, r -> r.leakWithLocalPort(firstPort) != null && r.leakWithLocalPort(secondPort) != null);
            Cli.Run live = Cli.run(jdk, "report", pid, "--json");
            assertEquals(0, live.status(), live.describe());
            JsonNode report = JSON.readTree(live.out());
            assertTrue(leakWithLocalPort(report, firstPort) != null && leakWithLocalPort(report, secondPort) != null,
                    "the live report lists both: " + live.describe());
            JsonNode before = leakWithLocalPort(report, firstPort);
            assertEquals("BEFORE_ATTACH", before.path("origin").asText(), before::toString);
            assertEquals("OPEN", before.path("status").asText());
            assertEquals("CLOSE_WAIT", before.path("state").asText());
            assertTrue(before.path("stack").isEmpty() && before.path("thread").isNull() && before.path("openedAt").isNull(),
                    before::toString);
            JsonNode after = leakWithLocalPort(report, secondPort);
            assertEquals("CONNECT", after.path("origin").asText());
            assertEquals("main", after.path("thread").asText());
            assertTrue(Report.stack(after).stream().anyMatch(f -> f.contains("AttachTarget.openSecond(")), after::toString);
            assertEquals(2, report.path("leaks").size(), "the closed connections are no leaks: " + report);

            Cli.Run text = Cli.run(jdk, "report", pid);
            assertEquals(0, text.status(), text.describe());
            List<String> lines = text.out().lines().toList();
            assertTrue(lines.get(1).contains("sockets open before closewait attached and left in CLOSE_WAIT: 1"),
                    "the count of pre-attach leaks comes first: " + text.out());
            assertTrue(lines.get(2).contains("1 open, 0 released since"), text.out());
            assertTrue(text.out().contains("=> dev.closewait.it.scenarios.AttachTarget.openSecond("), text.out());

            assertMBeanMatchesReport(pid, report);

            Cli.Run again = Cli.run(jdk, "attach", pid, "interval=300ms,grace=2s");
            assertEquals(0, again.status(), again.describe());
            assertTrue(again.out().contains("already runs in JVM " + pid + ": nothing instrumented twice"), again.describe());
            assertTrue(again.out().contains("grace=2s"), again.describe());

            Cli.Run list = Cli.run(jdk, "list");
            assertEquals(0, list.status(), list.describe());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith(pid + " ") && l.contains(" 0.1.0 ")
                    && l.contains(AttachTarget.class.getName())), list.describe());
            assertFalse(list.out().contains(PROGRAM_ARGUMENT_SECRET), "list shows no program argument: " + list.describe());

            // The CLI's own JMX connections must not show up as leaks once it is gone: any of them left in
            // CLOSE_WAIT is a finding by the first scan a grace (2 s now) and an interval (300 ms) after the
            // CLI ended. Wait for a report with a scan later still (the series has a point per scan), then look.
            long cliGone = System.currentTimeMillis();
            JsonNode later = awaitLiveReport(jdk, pid, r -> lastScanMillis(r) >= cliGone + 2000 + 2 * 300);
            for (JsonNode leak : later.path("leaks")) {
                assertTrue(leak.path("origin").asText().equals("BEFORE_ATTACH") || leak.path("origin").asText().equals("CONNECT"),
                        "only the scenario's two leaks: " + later);
            }
            assertEquals(2, later.path("leaks").size(), later::toString);

            target.proceed();
            assertEquals(0, target.awaitExit(EXIT), target::describe);
            String stderr = target.stderr();
            assertEquals(1, stderr.lines().filter(l -> l.contains("attached and is watching")).count(), stderr);
            assertTrue(stderr.contains("1 socket open before the attach is watched too"), stderr);
        }
        Process jfr = new ProcessBuilder(jdk.tool("jfr").toString(), "print", "--events", "dev.closewait.ConnectionLeak",
                recording.toString()).redirectErrorStream(true).start();
        String events = new String(jfr.getInputStream().readAllBytes());
        assertTrue(jfr.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, jfr.exitValue(), events);
        assertTrue(events.contains("dev.closewait.ConnectionLeak"), events);
        assertTrue(events.contains("AttachTarget.openSecond("), events);
        assertTrue(events.contains("\"BEFORE_ATTACH\""), events);
        assertTrue(events.contains("\"CLOSE_WAIT\""), events);
        if (jdk.feature() >= 21) {
            assertTrue(Files.readString(work.resolve("stderr.txt")).contains("A Java agent has been loaded dynamically"),
                    "the JEP 451 warning the CLI explains");
        }
    }

    @AcrossJdks
    void reportPrintsTheMaskedJdbcLeakAndLeavesTheTargetAsItWas(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String password = "Rep0rt-Secret!";
        Path classLog = work.resolve("classes.txt");
        try (ScenarioProcess target = ScenarioProcess.start(jdk, work, ReportTarget.class, FAST,
                List.of("-Xlog:class+load=info:file=" + classLog), password)) {
            target.awaitStep("leaked", REPORTED);
            String pid = target.result("pid");
            long targetPid = Long.parseLong(pid);
            int clientPort = target.intResult("clientPort");
            target.awaitReport(r -> r.leaks().size() == 1, REPORTED);
            // The first attach starts the JVM's attach listener (as jcmd's would): part of the picture before.
            Set<String> propertiesBefore = agentProperties(pid).stringPropertyNames();
            Set<Long> socketsBefore = tcpSocketInodes(targetPid);
            Set<String> threadsBefore = threadNames(targetPid);
            assertTrue(socketsBefore.size() >= 2, "the stand-in's listener and the leaked socket: " + socketsBefore);
            assertTrue(threadsBefore.contains("Attach Listener"), threadsBefore::toString);
            assertFalse(loaded(classLog, "java.lang.management.ManagementFactory"),
                    "the scenario never uses JMX, and the agent never makes the platform MBean server");

            Cli.Run json = Cli.run(jdk, "report", pid, "--json");
            Cli.Run text = Cli.run(jdk, "report", pid);

            assertEquals(0, json.status(), json.describe());
            JsonNode report = JSON.readTree(json.out());
            assertEquals(Long.parseLong(pid), report.path("pid").asLong(), report::toString);
            JsonNode leak = leakWithLocalPort(report, clientPort);
            assertNotNull(leak, report::toString);
            assertEquals("OPEN", leak.path("status").asText(), leak::toString);
            assertEquals("CLOSE_WAIT", leak.path("state").asText(), leak::toString);
            assertTrue(leak.path("jdbc").path("url").asText().endsWith(";password=****"), leak::toString);
            assertTrue(Report.stack(leak).stream().anyMatch(f -> f.contains("ReportTarget.openOrdersConnection(")), leak::toString);
            assertEquals(0, text.status(), text.describe());
            assertTrue(text.out().contains("(grace 1.0 s)"), "the text has the agent's grace: " + text.out());
            assertTrue(text.out().contains("=> dev.closewait.it.scenarios.ReportTarget.openOrdersConnection("), text.out());
            assertTrue(text.out().contains(";password=****"), text.out());
            for (Cli.Run run : List.of(json, text)) {
                assertFalse(run.out().contains(password) || run.err().contains(password), "the password leaked: " + run.describe());
            }

            Set<Long> socketsAfter = tcpSocketInodes(targetPid);
            socketsAfter.removeAll(socketsBefore);
            assertEquals(Set.of(), socketsAfter, "the report left TCP sockets (a JMX/RMI listener?) in the target");
            Set<String> threadsAfter = threadNames(targetPid);
            threadsAfter.removeAll(threadsBefore);
            assertEquals(Set.of(), threadsAfter, "the report left threads in the target");
            Properties after = agentProperties(pid);
            assertEquals(propertiesBefore, after.stringPropertyNames(), "the report left agent properties in the target");
            assertNull(after.getProperty("com.sun.management.jmxremote.localConnectorAddress"), after::toString);
            assertNull(after.getProperty("sun.management.JMXConnectorServer.address"), after::toString);
            assertNotNull(after.getProperty("closewait.report"), "every answer carries the report, none stores it");
            for (String untouched : List.of("java.lang.management.ManagementFactory", "jdk.internal.agent.Agent",
                    "javax.management.remote.rmi.RMIConnectorServer", "sun.rmi.transport.tcp.TCPTransport")) {
                assertFalse(loaded(classLog, untouched), untouched + " was loaded: the report started JMX in the target");
            }
            assertFalse(target.stderr().contains("loaded dynamically"), "no agent was loaded to answer: " + target.stderr());
            assertFalse(target.stderr().contains(password), target.stderr());
            target.proceed();
            assertEquals(0, target.awaitExit(EXIT), target::describe);
        }
    }

    private static Properties agentProperties(String pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            return vm.getAgentProperties();
        } finally {
            vm.detach();
        }
    }

    /** The inodes of every TCP socket (any state, listeners included) that process {@code pid} holds. */
    private static Set<Long> tcpSocketInodes(long pid) throws IOException {
        Set<Long> held = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        held.add(Long.parseLong(link.substring(8, link.length() - 1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // not held any more
                }
            }
        }
        Set<Long> tcp = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            for (String line : lines.subList(1, lines.size())) {
                long inode = Long.parseLong(line.trim().split("\\s+")[9]);
                if (held.contains(inode)) {
                    tcp.add(inode);
                }
            }
        }
        return tcp;
    }

    private static Set<String> threadNames(long pid) throws IOException {
        Set<String> names = new HashSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return names;
    }

    /** Whether the JVM's {@code -Xlog:class+load} file shows {@code className} loaded. */
    private static boolean loaded(Path classLog, String className) throws IOException {
        return Files.readString(classLog).contains(" " + className + " source:");
    }

    @Test
    void refusesAPidThatNamesNoJvmWithAClearMessageAndStatus2() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: the CLI's own checks (the pid, /proc), before any attach API.
        Cli.Run notANumber = Cli.run(jdk, "attach", "12ab");
        assertRefused(notANumber, "'12ab' is not a process id");

        Cli.Run noSuchProcess = Cli.run(jdk, "report", Long.toString(unusedPid()));
        assertRefused(noSuchProcess, "there is no process");

        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            Cli.Run notAJvm = Cli.run(jdk, "attach", Long.toString(sleep.pid()));
            assertRefused(notAJvm, "is not a Java virtual machine");
            assertTrue(sleep.isAlive(), "never send the attach signal to a process that is not a JVM");
        } finally {
            sleep.destroyForcibly();
        }
    }

    @AcrossJdks
    void refusesWithAClearMessageAndStatus2(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Cli.Run noAttachModule = Cli.run(List.of("--limit-modules", "java.base,java.management,java.instrument,java.sql"),
                jdk, "attach", "1");
        assertRefused(noAttachModule, "has no jdk.attach module");

        try (ScenarioProcess closed = ScenarioProcess.startWithoutAgent(jdk, work, AttachTarget.class,
                List.of("-XX:-EnableDynamicAgentLoading"), work.resolve("unused.json"))) {
            closed.awaitStep("first-leaked", REPORTED);
            String pid = closed.result("pid");
            assertRefused(Cli.run(jdk, "attach", pid, "intervl=5s"), "unknown option 'intervl'");
            assertRefused(Cli.run(jdk, "attach", pid), "started with -XX:-EnableDynamicAgentLoading");
            assertRefused(Cli.run(jdk, "report", pid), "does not run closewait");
            closed.proceed();
            closed.awaitStep("second-leaked", REPORTED);
            assertFalse(closed.stderr().contains("[closewait]"), "the target ran on untouched: " + closed.stderr());
        }

        try (ScenarioProcess noAttach = ScenarioProcess.startWithoutAgent(jdk, work, AttachTarget.class,
                List.of("-XX:+DisableAttachMechanism"), work.resolve("unused.json"))) {
            noAttach.awaitStep("first-leaked", REPORTED);
            String pid = noAttach.result("pid");
            Cli.Run refused = Cli.run(jdk, "attach", pid);
            assertRefused(refused, "JVM " + pid + " accepts no attach: it was started with -XX:+DisableAttachMechanism");
            assertFalse(refused.err().contains("run this command as"), "the same user is told nothing of users: "
                    + refused.describe());
            assertRefused(Cli.run(jdk, "report", pid), "started with -XX:+DisableAttachMechanism");
        }
    }

    @AcrossJdks
    void refusesAnotherUsersJvm(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String unavailable = OtherUser.unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(unavailable == null, unavailable);
        try (OtherUser other = OtherUser.create("attach");
             ScenarioProcess mine = ScenarioProcess.startWithoutAgent(jdk, work, AttachTarget.class, List.of(),
                     work.resolve("unused.json"))) {
            mine.awaitStep("first-leaked", REPORTED);
            Cli.Run asOther = runCliAs(other, jdk, work, "attach", mine.result("pid"));
            assertRefused(asOther, "run this command as " + System.getProperty("user.name"));
            mine.proceed();
        }
    }

    private static void assertRefused(Cli.Run run, String message) {
        assertEquals(2, run.status(), run.describe());
        assertTrue(run.err().contains(message), "expected '" + message + "' in: " + run.describe());
        assertFalse(run.err().contains("Exception in thread"), run.describe());
    }

    /** Polls the report file the attached agent writes until {@code condition} holds. */
    private static void awaitReportFile(Path file, java.util.function.Predicate<Report> condition) throws Exception {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        Report last = null;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                last = Report.read(file);
                if (condition.test(last)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the report file never showed both leaks within " + REPORTED + ": "
                + (last == null ? "no " + file : last.json()));
    }

    /** Polls {@code report PID --json} until {@code condition} holds; returns that report. */
    private static JsonNode awaitLiveReport(Jdk jdk, String pid, java.util.function.Predicate<JsonNode> condition)
            throws Exception {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        Cli.Run last;
        do {
            last = Cli.run(jdk, "report", pid, "--json");
            assertEquals(0, last.status(), last.describe());
            JsonNode report = JSON.readTree(last.out());
            if (condition.test(report)) {
                return report;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no live report met the condition within " + REPORTED + ": " + last.describe());
    }

    /** When the report's latest scan ran (the series' newest point, in epoch milliseconds); -1 without a series. */
    private static long lastScanMillis(JsonNode report) {
        long last = -1;
        for (JsonNode series : report.path("series")) {
            for (JsonNode point : series.path("points")) {
                last = Math.max(last, point.path(0).asLong());
            }
        }
        return last;
    }

    private static JsonNode leakWithLocalPort(JsonNode report, int port) {
        for (JsonNode leak : report.path("leaks")) {
            if (leak.path("local").asText().endsWith(":" + port)) {
                return leak;
            }
        }
        return null;
    }

    /** The MBean's counts agree with the JSON report, read in the same connection. */
    private static void assertMBeanMatchesReport(String pid, JsonNode report) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(pid);
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName("dev.closewait:type=LeakDetector");
            JsonNode json = JSON.readTree((String) server.invoke(name, "jsonReport", null, null));
            assertEquals(json.path("leaks").size(), ((Number) server.getAttribute(name, "Leaks")).intValue());
            assertEquals(report.path("leaks").size(), ((Number) server.getAttribute(name, "Leaks")).intValue());
            assertEquals(2, ((Number) server.getAttribute(name, "OpenLeaks")).intValue());
            assertEquals(1, ((Number) server.getAttribute(name, "BeforeAttachLeaks")).intValue());
            assertEquals(0, ((Number) server.getAttribute(name, "ClosedLateLeaks")).intValue());
            // Tracked between two reports' counts: the attribute counts what the report's summary does.
            long tracked = ((Number) server.getAttribute(name, "Tracked")).longValue();
            JsonNode after = JSON.readTree((String) server.invoke(name, "jsonReport", null, null));
            assertTrue(json.path("summary").path("tracked").asLong() <= tracked
                    && tracked <= after.path("summary").path("tracked").asLong(), tracked + " tracked; reports: " + json + after);
            assertEquals(json.path("version").asText(), server.getAttribute(name, "Version"));
            assertEquals("0.1.0", json.path("version").asText());
            String text = (String) server.invoke(name, "textReport", null, null);
            assertTrue(text.contains("AttachTarget.openSecond("), text);
        } finally {
            vm.detach();
        }
    }

    private static long unusedPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }

    /** The CLI run as {@code user}, on a copy of the agent jar in {@code work} that it can read. */
    private static Cli.Run runCliAs(OtherUser user, Jdk jdk, Path work, String... args) throws IOException, InterruptedException {
        Path jar = work.resolve("closewait-agent.jar");
        Files.copy(ScenarioProcess.agentJar(), jar);
        jar.toFile().setReadable(true, false);
        work.toFile().setExecutable(true, false);
        List<String> command = new java.util.ArrayList<>(List.of(jdk.java().toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return Cli.exec(user.runAs(command), Path.of("/tmp"));
    }
}
