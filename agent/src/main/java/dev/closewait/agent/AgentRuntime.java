package dev.closewait.agent;

import dev.closewait.agent.boot.EventBridge;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.instrument.ConnectionInstrumentation;
import dev.closewait.agent.report.FindingLog;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.ReportFile;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.tcp.TcpTables;
import dev.closewait.agent.track.JdbcSecrets;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running agent: wires the registry, the scanner, the report file and the log, runs the scan
 * loop on a daemon thread and a last scan at exit. A fault anywhere turns the whole agent off
 * with one warning; the application never sees it.
 */
final class AgentRuntime {

    /**
     * A diagnostic switch, not an agent option: {@code -Dclosewait.noJdbc=true} leaves JDBC drivers
     * uninstrumented (for measuring what JDBC awareness costs at start-up).
     */
    static final String NO_JDBC_PROPERTY = "closewait.noJdbc";

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final AtomicBoolean DISABLED = new AtomicBoolean();

    private final AgentOptions options;
    private final Clock clock;
    private final FindingLog log;
    private final ReportFile reportFile;
    private final CloseWaitScanner scanner;
    private final long pid = ProcessHandle.current().pid();
    private final Set<String> reportWarnings = new HashSet<>();
    /** Stacks already printed in full, with the id of the leak that printed them (scan thread only). */
    private final Map<List<String>, Long> firstLeakByStack = new HashMap<>();
    private volatile Thread scanThread;

    private AgentRuntime(AgentOptions options, Clock clock, FindingLog log, ReportFile reportFile,
                         CloseWaitScanner scanner) {
        this.options = options;
        this.clock = clock;
        this.log = log;
        this.reportFile = reportFile;
        this.scanner = scanner;
    }

    /** Starts the agent once per JVM. */
    static void start(AgentOptions options, Instrumentation instrumentation) throws StartupException {
        if (!STARTED.compareAndSet(false, true)) {
            System.err.println(TextReport.PREFIX + "already running in this JVM; the new options are ignored");
            return;
        }
        if (EventBridge.class.getClassLoader() != null) {
            throw new IllegalStateException("the bridge class was loaded by " + EventBridge.class.getClassLoader()
                    + " instead of the bootstrap class loader; JDK classes could not reach it");
        }
        Clock clock = Clock.systemUTC();
        FindingLog log = openLog(options.log());
        ReportFile reportFile = options.report() == null ? null
                : new ReportFile(path(AgentOptions.REPORT, options.report()), new JsonReport(version()));
        SocketRegistry registry = new SocketRegistry(clock, AgentRuntime::fault);
        CloseWaitScanner scanner = new CloseWaitScanner(registry, TcpTables.forThisPlatform(), clock,
                options.graceMillis(), new StackFrames(), message -> log.print(TextReport.PREFIX + message + '\n'));
        AgentRuntime runtime = new AgentRuntime(options, clock, log, reportFile, scanner);
        if (reportFile != null) {
            try {
                reportFile.write(scanner.report(runtime.pid)); // proves the path can be written
            } catch (IOException | RuntimeException unwritable) {
                throw new StartupException("cannot write the report file " + reportFile.path() + " (option '"
                        + AgentOptions.REPORT + "'): " + unwritable, unwritable);
            }
        }
        EventBridge.install(registry);
        List<String> errors = ConnectionInstrumentation.install(instrumentation, !Boolean.getBoolean(NO_JDBC_PROPERTY));
        if (!errors.isEmpty()) {
            log.print(TextReport.PREFIX + "WARNING: some classes could not be instrumented: " + errors + '\n');
        }
        runtime.startThreads();
        log.print(TextReport.PREFIX + "closewait " + version() + " is watching this JVM's sockets: "
                + options.describe(reportFile == null ? null : reportFile.path().toString(), log.toString()) + '\n');
    }

    /** Turns the agent off after an internal fault: one warning, and the application runs on. */
    static void fault(Throwable fault) {
        EventBridge.install(null);
        warnDisabled("hit an internal error", fault);
    }

    /** The single warning printed when the agent turns itself off. */
    static void warnDisabled(String what, Throwable fault) {
        EventBridge.install(null);
        if (DISABLED.compareAndSet(false, true)) {
            StackTraceElement[] frames = fault.getStackTrace();
            // The cause may quote application text (a JDBC URL in a message): masked like everything else.
            System.err.println(TextReport.PREFIX + "WARNING: closewait " + what + " and turned itself off; the"
                    + " application is not affected. Cause: " + JdbcSecrets.maskUrl(String.valueOf(fault))
                    + (frames.length > 0 ? " at " + frames[0] : ""));
        }
    }

    private void startThreads() {
        Thread thread = new Thread(this::scanLoop, "closewait-scanner");
        thread.setDaemon(true);
        scanThread = thread;
        thread.start();
        Thread atExit = new Thread(this::finish, "closewait-shutdown");
        Runtime.getRuntime().addShutdownHook(atExit);
    }

    private void scanLoop() {
        EventBridge.markAgentThread();
        try {
            while (!DISABLED.get()) {
                scanAndReport();
                Thread.sleep(options.intervalMillis());
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        } catch (Throwable fault) {
            fault(fault);
        }
    }

    private void scanAndReport() {
        ScanOutcome outcome = scanner.scan();
        if (!outcome.hasChanges()) {
            return;
        }
        long now = clock.millis();
        for (Finding leak : outcome.found()) {
            // A leak storm from one line prints its stack once; the repeats take a line each.
            Long first = firstLeakByStack.putIfAbsent(leak.stack(), leak.id());
            log.print(first == null || leak.stack().isEmpty() ? TextReport.finding(leak, now)
                    : TextReport.repeat(leak, first, now));
        }
        for (Finding leak : outcome.changed()) {
            log.print(TextReport.statusChange(leak, now));
        }
        writeReport(scanner.report(pid));
    }

    /** At exit: one last scan, the final report, the summary. */
    private void finish() {
        EventBridge.markAgentThread();
        if (DISABLED.get()) {
            return;
        }
        try {
            Thread thread = scanThread;
            if (thread != null) {
                thread.interrupt();
            }
            scanAndReport();
            LeakReport report = scanner.report(pid);
            writeReport(report);
            log.print(TextReport.summary(report, reportFile == null ? null : reportFile.path().toString()));
        } catch (Throwable fault) {
            warnDisabled("failed while writing its final report", fault);
        }
    }

    private void writeReport(LeakReport report) {
        if (reportFile == null) {
            return;
        }
        try {
            reportFile.write(report);
        } catch (IOException | RuntimeException unwritable) {
            String message = "cannot write the report file " + reportFile.path() + ": " + unwritable;
            if (reportWarnings.add(message)) {
                System.err.println(TextReport.PREFIX + "WARNING: " + message + "; will retry when findings change");
            }
        }
    }

    private static FindingLog openLog(String value) throws StartupException {
        if (AgentOptions.LOG_STDERR.equals(value)) {
            return FindingLog.stderr();
        }
        if (AgentOptions.LOG_OFF.equals(value)) {
            return FindingLog.off();
        }
        Path path = path(AgentOptions.LOG, value);
        try {
            return FindingLog.file(path);
        } catch (IOException | RuntimeException unwritable) {
            throw new StartupException("cannot write the log file " + path.toAbsolutePath() + " (option '"
                    + AgentOptions.LOG + "'): " + unwritable, unwritable);
        }
    }

    private static Path path(String option, String value) throws StartupException {
        try {
            Path path = Paths.get(value).toAbsolutePath();
            Path dir = path.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new StartupException("the directory of " + path + " (option '" + option + "') does not exist",
                        null);
            }
            return path;
        } catch (InvalidPathException bad) {
            throw new StartupException("option '" + option + "' is not a valid path: " + value, bad);
        }
    }

    /** The agent's version, from its jar's manifest. */
    static String version() {
        String version = AgentRuntime.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
