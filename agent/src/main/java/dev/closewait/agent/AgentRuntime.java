package dev.closewait.agent;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.boot.EventBridge;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.IgnoreRules;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.instrument.ConnectionInstrumentation;
import dev.closewait.agent.live.JfrLeakEvents;
import dev.closewait.agent.live.LeakDetector;
import dev.closewait.agent.report.FindingLog;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.ReportFile;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.tcp.ProcessSockets;
import dev.closewait.agent.tcp.TcpTable;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running agent: wires the registry, the scanner, the report file, the log and the live views
 * (JMX, JFR), runs the scan loop on a daemon thread and a last scan at exit. A fault anywhere turns
 * the whole agent off with one warning; the application never sees it.
 */
final class AgentRuntime {

    /**
     * A diagnostic switch, not an agent option: {@code -Dclosewait.noJdbc=true} leaves JDBC drivers
     * uninstrumented (for measuring what JDBC awareness costs at start-up).
     */
    static final String NO_JDBC_PROPERTY = "closewait.noJdbc";
    /** Set in the host JVM while the agent runs, to its version: how the CLI tells that a JVM runs it. */
    static final String RUNNING_PROPERTY = "closewait.agent.version";

    private static final AtomicBoolean DISABLED = new AtomicBoolean();
    private static volatile AgentRuntime running;

    private final Clock clock;
    private final CloseWaitScanner scanner;
    private final JfrLeakEvents jfr = JfrLeakEvents.forThisRuntime();
    private final long pid = ProcessHandle.current().pid();
    private final Set<String> reportWarnings = new HashSet<>();
    /** Stacks already printed in full, with the id of the leak that printed them (scan thread only). */
    private final Map<List<String>, Long> firstLeakByStack = new HashMap<>();
    private volatile AgentOptions options;
    /** Where text goes; shared with the scanner's warnings, swapped by {@link #configure}. */
    private final AtomicReference<FindingLog> log;
    private volatile ReportFile reportFile;
    private volatile Thread scanThread;
    private final SocketRegistry registry;
    private final Instrumentation instrumentation;
    private volatile boolean exitStatusInstalled;
    /** Findings when last counted (each report, and at exit), for the exit status. */
    private volatile int findingsCount;
    /** Where TCP states come from, and why not netlink if not; {@code null} without a table. */
    private final String tableDescription;

    private AgentRuntime(AgentOptions options, Clock clock, AtomicReference<FindingLog> log, ReportFile reportFile,
                         SocketRegistry registry, Instrumentation instrumentation) {
        this.registry = registry;
        this.instrumentation = instrumentation;
        this.options = options;
        this.clock = clock;
        this.log = log;
        this.reportFile = reportFile;
        List<String> tableNotes = new ArrayList<>();
        TcpTable table = TcpTables.forThisPlatform(tableNotes::add);
        this.tableDescription = table == null ? null
                : TcpTables.describe(table, tableNotes);
        this.scanner = new CloseWaitScanner(registry, table, clock, options.graceMillis(),
                new StackFrames(), message -> log.get().print(TextReport.PREFIX + message + '\n'));
    }

    /**
     * Starts the agent, once per JVM; a second start (a second attach) applies the new options to
     * the running agent instead.
     *
     * @param attached whether the agent was loaded into a running JVM: then the sockets already
     *                 open are taken on as {@code BEFORE_ATTACH}
     */
    static synchronized void start(AgentOptions options, Instrumentation instrumentation, boolean attached)
            throws StartupException {
        if (running != null) {
            System.err.println(TextReport.PREFIX + "already running in this JVM: not instrumenting twice; "
                    + running.configure(options));
            return;
        }
        if (EventBridge.class.getClassLoader() != null) {
            throw new IllegalStateException("the bridge class was loaded by " + EventBridge.class.getClassLoader()
                    + " instead of the bootstrap class loader; JDK classes could not reach it");
        }
        Clock clock = Clock.systemUTC();
        FindingLog log = openLog(options.log());
        ReportFile reportFile = openReport(options.report());
        SocketRegistry registry = new SocketRegistry(clock, AgentRuntime::fault);
        AgentRuntime runtime = new AgentRuntime(options, clock, new AtomicReference<>(log), reportFile, registry,
                instrumentation);
        runtime.scanner.setIgnoreRules(openIgnoreRules(options.ignore()));
        registry.setExitPolicy(runtime::exitStatus);
        if (reportFile != null) {
            try {
                reportFile.write(runtime.scanner.report(runtime.pid)); // proves the path can be written
            } catch (IOException | RuntimeException unwritable) {
                throw new StartupException("cannot write the report file " + reportFile.path() + " (option '"
                        + AgentOptions.REPORT + "'): " + unwritable, unwritable);
            }
        }
        EventBridge.install(registry);
        ConnectionInstrumentation.reportLateErrorsTo(message -> runtime.log.get().print(TextReport.PREFIX + message + '\n'));
        List<String> errors = ConnectionInstrumentation.install(instrumentation, !Boolean.getBoolean(NO_JDBC_PROPERTY));
        if (!errors.isEmpty()) {
            log.print(TextReport.PREFIX + "WARNING: some classes could not be instrumented: " + errors + '\n');
        }
        if (options.failOnLeak()) {
            runtime.installExitStatus();
        }
        String preexisting = attached ? runtime.adoptPreexistingSockets() : "";
        running = runtime;
        System.setProperty(RUNNING_PROPERTY, version());
        runtime.startThreads();
        log.print(TextReport.PREFIX + "closewait " + version() + (attached ? " attached and is" : " is") + " watching"
                + " this JVM's sockets: " + runtime.describeOptions() + preexisting + '\n');
        if (runtime.tableDescription != null) {
            log.print(TextReport.PREFIX + "TCP states from " + runtime.tableDescription + '\n');
        }
    }

    /** The running agent, or {@code null}. */
    static AgentRuntime running() {
        return DISABLED.get() ? null : running;
    }

    /** The id of the last socket tracked so far: sockets with greater ids opened after this call. */
    long lastTrackedId() {
        return registry.trackedCount();
    }

    /** Sockets tracked after {@code id} and still open, with their kernel state now. */
    List<Finding> openSocketsAfter(long id) {
        return scanner.openSocketsAfter(id);
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

    /**
     * Applies new options to the running agent (a second attach, or JMX): interval and grace from
     * the next scan, the report and log targets at once. Returns what is in force, or the problem.
     */
    synchronized String configure(AgentOptions newOptions) {
        FindingLog newLog;
        ReportFile newReport;
        IgnoreRules newRules;
        try {
            newRules = openIgnoreRules(newOptions.ignore());
            newLog = openLog(newOptions.log());
            newReport = openReport(newOptions.report());
            if (newReport != null) {
                newReport.write(scanner.report(pid));
            }
        } catch (StartupException | IOException | RuntimeException problem) {
            return "the new options were not applied: " + problem.getMessage() + "; still in force: " + describeOptions();
        }
        options = newOptions;
        log.set(newLog);
        reportFile = newReport;
        scanner.setGraceMillis(newOptions.graceMillis());
        scanner.setIgnoreRules(newRules);
        if (newOptions.failOnLeak()) {
            installExitStatus();
        }
        Thread thread = scanThread;
        if (thread != null) {
            thread.interrupt(); // wake up to use the new interval now
        }
        return "now in force: " + describeOptions();
    }

    /** Instruments where the JVM ends, once, so {@code failOnLeak} can set the exit status. */
    private synchronized void installExitStatus() {
        if (!exitStatusInstalled) {
            exitStatusInstalled = true;
            List<String> errors = ConnectionInstrumentation.installExitStatus(instrumentation);
            if (!errors.isEmpty()) {
                log.get().print(TextReport.PREFIX + "WARNING: failOnLeak cannot set the exit status: " + errors + '\n');
            }
        }
    }

    /**
     * The exit status the JVM ends with: {@code failOnLeak}'s status when the run had findings and
     * the application ended normally; the application's own non-zero status is kept.
     */
    private int exitStatus(int proposed) {
        if (!options.failOnLeak() || findingsCount == 0) {
            return proposed;
        }
        if (proposed == ConnectionEvents.STATUS_UNKNOWN) {
            return registry.mainThreadFailed() ? proposed : AgentOptions.FAIL_ON_LEAK_STATUS;
        }
        return proposed == 0 ? AgentOptions.FAIL_ON_LEAK_STATUS : proposed;
    }

    private String describeOptions() {
        ReportFile report = reportFile;
        return options.describe(report == null ? null : report.path().toString(), log.get().toString());
    }

    /** Takes on the sockets open before the attach; returns a sentence for the start-up line. */
    private String adoptPreexistingSockets() {
        if (!ProcessSockets.isAvailable()) {
            return "; sockets open before the attach cannot be listed on this platform";
        }
        try {
            int adopted = scanner.adoptPreexisting(ProcessSockets.inodes());
            return "; " + adopted + (adopted == 1 ? " socket open before the attach is" : " sockets open before the attach are")
                    + " watched too (no creation stack)";
        } catch (IOException unreadable) {
            return "; sockets open before the attach cannot be listed: " + unreadable;
        }
    }

    private void startThreads() {
        Thread thread = new Thread(this::scanLoop, "closewait-scanner");
        thread.setDaemon(true);
        scanThread = thread;
        thread.start();
        Runtime.getRuntime().addShutdownHook(new Thread(this::finish, "closewait-shutdown"));
    }

    private void scanLoop() {
        EventBridge.markAgentThread();
        registerMBean();
        try {
            while (!DISABLED.get()) {
                scanAndReport();
                try {
                    Thread.sleep(options.intervalMillis());
                } catch (InterruptedException wake) {
                    if (DISABLED.get() || Thread.currentThread() != scanThread) {
                        return;
                    }
                    // new options: scan now
                }
            }
        } catch (Throwable fault) {
            fault(fault);
        }
    }

    /**
     * Off the start-up path, and on the agent's own thread: the platform MBean server is not
     * created in premain, before the application had a chance to configure JMX or logging.
     */
    private void registerMBean() {
        try {
            new LeakDetector(version(), () -> scanner.report(pid), this::describeOptions,
                    text -> configure(AgentOptions.parse(text))).register();
        } catch (Exception | LinkageError unavailable) {
            log.get().print(TextReport.PREFIX + "JMX is not available (" + unavailable + "): 'closewait report PID' and"
                    + " JMX consoles cannot read this JVM's report\n");
        }
    }

    private synchronized void scanAndReport() {
        ScanOutcome outcome = scanner.scan();
        if (!outcome.hasChanges()) {
            return;
        }
        long now = clock.millis();
        for (Finding leak : outcome.found()) {
            // A leak storm from one line prints its stack once; the repeats take a line each.
            Long first = firstLeakByStack.putIfAbsent(leak.stack(), leak.id());
            log.get().print(first == null || leak.stack().isEmpty() ? TextReport.finding(leak, now)
                    : TextReport.repeat(leak, first, now));
            jfr.record(leak);
        }
        for (Finding leak : outcome.changed()) {
            log.get().print(TextReport.statusChange(leak, now));
            jfr.record(leak);
        }
        LeakReport report = scanner.report(pid);
        findingsCount = report.leaks().size();
        writeReport(report);
    }

    /** At exit: one last scan, the final report, the summary. */
    private void finish() {
        EventBridge.markAgentThread();
        if (DISABLED.get()) {
            return;
        }
        try {
            Thread thread = scanThread;
            scanThread = null;
            if (thread != null) {
                thread.interrupt();
            }
            scanAndReport();
            LeakReport report = scanner.report(pid);
            writeReport(report);
            findingsCount = report.leaks().size();
            ReportFile file = reportFile;
            log.get().print(TextReport.summary(report, file == null ? null : file.path().toString()));
            for (IgnoreRules.Rule rule : scanner.ignoreRules().unmatched()) {
                log.get().print(TextReport.PREFIX + "ignore rule '" + rule.text() + "' (" + scanner.ignoreRules().file()
                        + " line " + rule.line() + ") matched nothing in this run: remove it if that leak is fixed\n");
            }
            if (options.failOnLeak() && !report.leaks().isEmpty()) {
                System.err.print(TextReport.full(report));
                System.err.println(TextReport.PREFIX + "failOnLeak: this run leaked " + report.leaks().size()
                        + (report.leaks().size() == 1 ? " connection" : " connections") + "; the JVM exits with status "
                        + AgentOptions.FAIL_ON_LEAK_STATUS + " (an application's own non-zero status is kept)");
                System.err.flush();
            }
        } catch (Throwable fault) {
            warnDisabled("failed while writing its final report", fault);
        }
    }

    private void writeReport(LeakReport report) {
        ReportFile file = reportFile;
        if (file == null) {
            return;
        }
        try {
            file.write(report);
        } catch (IOException | RuntimeException unwritable) {
            String message = "cannot write the report file " + file.path() + ": " + unwritable;
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

    private static IgnoreRules openIgnoreRules(String value) throws StartupException {
        if (value == null) {
            return IgnoreRules.none();
        }
        Path path = path(AgentOptions.IGNORE, value);
        try {
            return IgnoreRules.read(path);
        } catch (IOException unreadable) {
            throw new StartupException("cannot read the ignore file " + path + " (option '" + AgentOptions.IGNORE + "'): "
                    + unreadable, unreadable);
        } catch (IllegalArgumentException badRule) {
            throw new StartupException("bad ignore file (option '" + AgentOptions.IGNORE + "'): " + badRule.getMessage(),
                    badRule);
        }
    }

    private static ReportFile openReport(String value) throws StartupException {
        return value == null ? null : new ReportFile(path(AgentOptions.REPORT, value), new JsonReport(version()));
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
