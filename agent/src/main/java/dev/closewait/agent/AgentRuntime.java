package dev.closewait.agent;

import dev.closewait.agent.boot.EventBridge;
import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.IgnoreRules;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.instrument.Instrumenter;
import dev.closewait.agent.instrument.Privileged;
import dev.closewait.agent.io.PrivateDirectory;
import dev.closewait.agent.io.ThisProcess;
import dev.closewait.agent.live.LeakDetector;
import dev.closewait.agent.live.LiveReportProperties;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.tcp.NetlinkTcpTable;
import dev.closewait.agent.tcp.PeerCloseWatch;
import dev.closewait.agent.tcp.TcpTable;
import dev.closewait.agent.tcp.TcpTables;
import dev.closewait.agent.track.JdbcSecrets;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.track.SocketRegistry;
import dev.closewait.agent.track.StackFrames;

import java.lang.instrument.Instrumentation;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running agent: {@link #start} wires the registry, the scanner and the outputs and starts the
 * scan loop; {@link #configure} applies new options; {@link #finish} is the last scan at exit. A
 * fault anywhere turns the whole agent off with one warning; the application never sees it.
 */
final class AgentRuntime {

    /**
     * A diagnostic switch, not an agent option: {@code -Dclosewait.noJdbc=true} leaves JDBC drivers
     * uninstrumented (for measuring what JDBC awareness costs at start-up).
     */
    static final String NO_JDBC_PROPERTY = "closewait.noJdbc";

    /** Distinct stacks of findings interned at most; findings past it keep a list of their own. */
    private static final int REPORTED_STACKS = 4096;

    private static final AtomicBoolean DISABLED = new AtomicBoolean();
    private static final Diagnostics DIAGNOSTICS = new Diagnostics();
    private static volatile AgentRuntime running;

    private final long pid = ThisProcess.pid();
    private final SocketRegistry registry;
    private final CloseWaitScanner scanner;
    private final Instrumenter instrumenter;
    private final ScanLoop loop;
    private volatile Settings settings;
    /** What the bridge calls; set once, before the bridge is installed. */
    private BridgeEvents events;
    /** Whether the MBean is registered (or could not be: said once). */
    private final AtomicBoolean mbeanDone = new AtomicBoolean();
    /** Findings a gate fails on when last counted (each report, and at exit), for the exit status. */
    private volatile int findingsCount;

    private AgentRuntime(Settings settings, SocketRegistry registry, CloseWaitScanner scanner,
                         Instrumenter instrumenter) {
        this.settings = settings;
        this.registry = registry;
        this.scanner = scanner;
        this.instrumenter = instrumenter;
        this.loop = new ScanLoop(this::scanAndReport, () -> this.settings.options.intervalMillis(),
                this::onScannerThread, AgentRuntime::fault, this::afterScannerThread);
        registry.internEarlyBy(loop::wake); // a burst of opens that stay open: their Throwables go at once
    }

    /**
     * Starts the agent, once per JVM; a second start (a second attach) applies the new options to
     * the running agent instead.
     *
     * @param attached whether the agent was loaded into a running JVM: then the sockets already
     *                 open are taken on as {@code BEFORE_ATTACH}
     * @param bridge   how the bridge was installed ({@link BootBridge#install}): {@code ""}, or a note
     *                 for the log
     */
    static synchronized Reconfiguration start(AgentOptions options, Instrumentation instrumentation, boolean attached,
                                              String bridge)
            throws StartupException {
        if (running != null) {
            Reconfiguration result = running.configure(options);
            DIAGNOSTICS.note("already running in this JVM: not instrumenting twice; " + result);
            return result;
        }
        if (EventBridge.class.getClassLoader() != null) {
            throw new IllegalStateException("the bridge class was loaded by " + EventBridge.class.getClassLoader()
                    + " instead of the bootstrap class loader; JDK classes could not reach it");
        }
        Clock clock = Clock.systemUTC();
        SocketRegistry registry = new SocketRegistry(clock, field -> openToAgent(instrumentation, field));
        List<String> tableNotes = new ArrayList<>();
        TcpTable table = TcpTables.forThisPlatform(tableNotes::add);
        CloseWaitScanner scanner = new CloseWaitScanner(registry, table, clock, options.graceMillis(),
                options.maxFindings(), new StackFrames(REPORTED_STACKS), DIAGNOSTICS::note);
        List<String> watchNotes = new ArrayList<>();
        PeerCloseWatch watch = table instanceof NetlinkTcpTable ? PeerCloseWatch.open(watchNotes::add) : null;
        if (watch != null) {
            scanner.usePeerCloseWatch(watch, DIAGNOSTICS::note);
        }
        long pid = ThisProcess.pid();
        Settings settings = Settings.open(options, () -> scanner.report(pid), DIAGNOSTICS::warn);
        DIAGNOSTICS.use(settings.outputs.log());
        scanner.setIgnoreRules(settings.ignoreRules);

        AgentRuntime runtime = new AgentRuntime(settings, registry, scanner,
                new Instrumenter(instrumentation, DIAGNOSTICS::warn));
        runtime.events = new BridgeEvents(registry, runtime::exitStatus, runtime::registerMBean, runtime::withLiveReport,
                AgentRuntime::fault, attached ? mainThreadNow() : Thread.currentThread().getId());
        EventBridge.install(runtime.events);
        List<String> errors = runtime.instrumenter.installSockets(!Boolean.getBoolean(NO_JDBC_PROPERTY));
        if (!errors.isEmpty()) {
            DIAGNOSTICS.warn("some classes could not be instrumented: " + errors);
        }
        if (options.failOnLeak()) {
            runtime.installExitStatus();
        }
        String preexisting = attached ? PreAttachSockets.adopt(scanner) : "";
        running = runtime;
        System.setProperty(AgentIdentity.RUNNING_PROPERTY, AgentIdentity.version());
        runtime.loop.start();
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::finish, "closewait-shutdown"));
        DIAGNOSTICS.note("closewait " + AgentIdentity.version() + (attached ? " attached and is" : " is")
                + " watching this JVM's sockets: " + settings.describe() + preexisting);
        if (table != null) {
            DIAGNOSTICS.note("TCP states from " + TcpTables.describe(table, tableNotes)
                    + (watch != null ? "; peers' closes heard through epoll"
                    : watchNotes.isEmpty() ? "" : "; no peer-close watch (" + String.join("; ", watchNotes) + ")"));
        }
        if (!bridge.isEmpty()) {
            DIAGNOSTICS.note(bridge);
        }
        return Reconfiguration.applied("now in force: " + settings.describe() + preexisting);
    }

    /**
     * Makes a field of a JDK class accessible to the agent alone, so it can read the socket of the
     * JDK's keep-alive cache: its package is opened to the agent's {@link PrivateModule}, not to the
     * application's class path. Changes nothing for the application.
     */
    private static void openToAgent(Instrumentation instrumentation, java.lang.reflect.Field field) {
        try {
            PrivateModule.of(instrumentation).makeAccessible(field);
        } catch (java.io.IOException | ReflectiveOperationException unavailable) {
            throw new IllegalStateException("cannot make " + field + " accessible", unavailable);
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

    /** Scans now, as the scan loop does (outputs included), and returns the report of now. */
    synchronized LeakReport scanNow() {
        scanAndReport();
        return scanner.report(pid);
    }

    /** Turns the agent off after an internal fault: one warning, and the application runs on. */
    static void fault(Throwable fault) {
        warnDisabled("hit an internal error", fault);
    }

    /**
     * The id of the thread running {@code main} in a JVM the agent was attached to: the live thread
     * named "main" of the "main" group ({@code premain} runs on that thread itself, and takes its
     * id); -1 if it is gone or renamed, and then a {@code main} that dies of an exception is not told
     * apart: {@code failOnLeak}'s status replaces the launcher's 1. Enumerated, not through
     * {@code Thread.getAllStackTraces()}, which stops every thread to take its stack.
     */
    private static long mainThreadNow() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int count = root.enumerate(threads, true);
        for (int i = 0; i < count; i++) {
            ThreadGroup group = threads[i].getThreadGroup();
            if ("main".equals(threads[i].getName()) && group != null && "main".equals(group.getName())) {
                return threads[i].getId();
            }
        }
        return -1;
    }

    /** The single warning printed when the agent turns itself off. */
    static void warnDisabled(String what, Throwable fault) {
        EventBridge.install(null);
        if (DISABLED.compareAndSet(false, true)) {
            AgentRuntime current = running;
            if (current != null) {
                current.loop.stop(); // its thread closes what the scans held as it ends (afterScannerThread)
                current.registry.forgetAll(); // no event comes any more: what it holds would stay until exit
            }
            DIAGNOSTICS.warn("closewait " + what + " and turned itself off; the application is not affected. Cause: "
                    + cause(fault));
        }
    }

    /**
     * The fault in a few words: its class, its message, where it was thrown. The message only when the
     * agent or the JDK threw it: one thrown by code of the application's or a library's that the agent
     * called may quote anything (a key, a password), and the agent prints no text the application did not.
     * A JDBC URL in it is masked like everywhere else.
     */
    static String cause(Throwable fault) {
        StackTraceElement[] frames = fault.getStackTrace();
        String thrower = frames.length > 0 ? frames[0].getClassName() : null;
        // No stack: the JVM's own (an OutOfMemoryError it made in advance).
        boolean ours = thrower == null || thrower.startsWith("dev.closewait.agent.")
                || thrower.startsWith("dev.closewait.shaded.") || thrower.startsWith("java.") || thrower.startsWith("jdk.")
                || thrower.startsWith("sun.");
        String message = fault.getMessage() == null ? ""
                : ours ? ": " + TextReport.printable(JdbcSecrets.maskUrl(fault.getMessage()))
                : " (its message left out: thrown by " + thrower + ", not by closewait)";
        return fault.getClass().getName() + message + (frames.length > 0 ? " at " + frames[0] : "");
    }

    /**
     * Applies new options to the running agent (a second attach, or JMX): those given replace
     * theirs, the others keep their values; interval and grace from the next scan, the report and
     * log targets at once. Returns what is in force, or the problem.
     */
    synchronized Reconfiguration configure(AgentOptions changes) {
        Settings old = settings;
        AgentOptions newOptions = old.options.with(changes);
        Settings fresh;
        try {
            fresh = Settings.open(newOptions, () -> scanner.report(pid), DIAGNOSTICS::warn);
        } catch (StartupException problem) {
            return Reconfiguration.refused("the new options were not applied: " + problem.getMessage()
                    + "; still in force: " + old.describe());
        }
        settings = fresh;
        DIAGNOSTICS.use(fresh.outputs.log());
        scanner.setGraceMillis(newOptions.graceMillis());
        scanner.setMaxFindings(newOptions.maxFindings());
        scanner.setIgnoreRules(fresh.ignoreRules);
        old.close();
        if (newOptions.failOnLeak()) {
            installExitStatus();
        }
        loop.wake();
        return Reconfiguration.applied("now in force: " + fresh.describe());
    }

    /**
     * {@link #configure} for JMX clients, which may change {@code interval} and {@code grace} only:
     * files change through agent arguments (start-up, or {@code attach} by the JVM's own user).
     */
    String configureFromJmx(String text) {
        AgentOptions changes;
        try {
            changes = AgentOptions.parse(text);
        } catch (IllegalArgumentException bad) {
            return "the new options were not applied: " + bad.getMessage();
        }
        for (Option option : Option.values()) {
            if (changes.isGiven(option) && option != Option.INTERVAL && option != Option.GRACE) {
                return "the new options were not applied: over JMX only " + Option.INTERVAL.key() + " and "
                        + Option.GRACE.key() + " can be changed, not '" + option.key() + "'; files change with"
                        + " -javaagent options or 'closewait attach PID OPTIONS', run as the JVM's user";
            }
        }
        return configure(changes).message;
    }

    private void installExitStatus() {
        List<String> errors = instrumenter.installExitStatus();
        if (!errors.isEmpty()) {
            DIAGNOSTICS.warn("failOnLeak cannot set the exit status: " + errors);
        }
    }

    /** The status the JVM ends with; see {@link ExitPolicy}. */
    private int exitStatus(int proposed) {
        return ExitPolicy.statusToEndWith(settings.options.failOnLeak(), findingsCount, proposed,
                events.mainThreadFailed());
    }

    /**
     * The first things the scanner's thread does, off the application's start-up path: removing
     * leftovers of killed JVMs, and registering the MBean if the platform MBean server exists
     * already (the agent was attached to a JVM that has one).
     */
    private void onScannerThread() {
        PrivateDirectory.removeLeftovers();
        try {
            javax.management.MBeanServer existing = LeakDetector.existingPlatformServer();
            if (existing != null) {
                registerMBean(existing);
            }
        } catch (Exception | LinkageError unavailable) {
            DIAGNOSTICS.note("JMX is not available (" + unavailable + "): JMX consoles and exporters cannot read"
                    + " this JVM's report ('closewait report PID' can)");
        }
    }

    /**
     * Registers the MBean with the platform MBean server, once: when the application or the JDK
     * made that server (never the agent, which would decide the host's JMX and logging
     * configuration), or when the agent finds it made already.
     */
    private void registerMBean(Object server) {
        if (!mbeanDone.compareAndSet(false, true)) {
            return;
        }
        try {
            LeakDetector detector = new LeakDetector(AgentIdentity.version(), () -> scanner.report(pid), scanner::counts,
                    () -> settings.describe(), () -> settings.outputs.text(), this::configureFromJmx);
            // On the application's thread: registering needs the agent's permissions, not the caller's.
            Exception refused = Privileged.call(() -> {
                try {
                    detector.register((javax.management.MBeanServer) server);
                    return null;
                } catch (javax.management.JMException notRegistered) {
                    return notRegistered;
                }
            });
            if (refused != null) {
                throw refused;
            }
        } catch (Exception | LinkageError unavailable) {
            DIAGNOSTICS.note("JMX is not available (" + unavailable + "): JMX consoles and exporters cannot read"
                    + " this JVM's report ('closewait report PID' can)");
        }
    }

    /**
     * The attach API's answer for agent properties, {@code serialized}, with the live report
     * appended: rendered on the JVM's attach listener thread when {@code closewait report PID} (or
     * another attach client) asks, and kept nowhere afterwards. The JSON writer is made here, not at
     * start-up: most JVMs are never asked, and loading it cost every start.
     */
    private byte[] withLiveReport(byte[] serialized) {
        return LiveReportProperties.append(serialized,
                new JsonReport(AgentIdentity.version()).render(scanner.report(pid)),
                settings.options.textOptions());
    }

    private synchronized void scanAndReport() {
        if (DISABLED.get()) {
            loop.stop(); // turned off before its loop started, or between two scans: no more scans
            return;
        }
        ScanOutcome outcome = scanner.scan();
        if (outcome.hasChanges()) {
            LeakReport report = scanner.report(pid);
            findingsCount = (int) Math.min(Integer.MAX_VALUE, report.failing());
            settings.outputs.changed(outcome, report);
        }
    }

    /**
     * On the scanner thread as it ends: if the agent turned itself off, the scanner lets go of what it
     * holds open for the scans (the peer-close watch's epoll descriptor), since no scan will come.
     * Waits for a scan another thread is running (a live report), never on an application's thread.
     */
    private void afterScannerThread() {
        if (DISABLED.get()) {
            synchronized (this) {
                scanner.stopWatching();
            }
        }
    }

    /** At exit: one last scan, the final report to every output, the ignore rules that matched nothing. */
    private void finish() {
        EventBridge.markAgentThread();
        if (DISABLED.get()) {
            return;
        }
        try {
            loop.stop();
            synchronized (this) {
                ScanOutcome outcome = scanner.scanAtExit();
                LeakReport report = scanner.report(pid);
                findingsCount = (int) Math.min(Integer.MAX_VALUE, report.failing());
                settings.outputs.finished(outcome, report);
            }
            IgnoreRules rules = scanner.ignoreRules();
            for (IgnoreRules.Rule rule : rules.unmatched()) {
                DIAGNOSTICS.note("ignore rule '" + rule.text() + "' (" + rules.file() + " line " + rule.line()
                        + ") matched nothing in this run: remove it if that leak is fixed");
            }
        } catch (Throwable fault) {
            warnDisabled("failed while writing its final report", fault);
        }
    }
}
