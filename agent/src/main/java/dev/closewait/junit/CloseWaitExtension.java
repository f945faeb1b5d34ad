package dev.closewait.junit;

import dev.closewait.agent.OpenSockets;
import dev.closewait.agent.Option;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.IgnoreRules;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.tcp.TcpState;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fails the test that leaked: after each test it waits a bounded settle time for the code under
 * test to close what it opened, then fails the test if a socket it opened is in CLOSE_WAIT (with
 * {@code closewait.junit.strict=true}: if it is still open at all). Sockets the ignore rules leave
 * out (the agent's {@code ignore} file, and the file named by {@code closewait.junit.ignore}) do not
 * fail it. Needs the agent in the JVM (Surefire's {@code argLine}, which the Maven plugin's
 * {@code prepare-agent} sets); without it, the extension loads it itself where the JVM allows
 * self-attach, or fails with the exact {@code argLine} to add.
 *
 * <p>Under JUnit's parallel execution a socket is charged to the test whose thread, or whose code on
 * another thread, opened it ({@link TestWindows}); one that could be any of several tests running
 * side by side fails them with a message that says so rather than blaming one.
 *
 * <p>Use {@code @ExtendWith(CloseWaitExtension.class)}, or register it for every test through
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true}).
 * Configuration parameters (junit-platform.properties or system properties):
 * {@code closewait.junit.settle} (default {@code 1s}), {@code closewait.junit.strict} (default
 * {@code false}) and {@code closewait.junit.ignore} (default none).
 */
public final class CloseWaitExtension implements BeforeEachCallback, AfterEachCallback {

    /** How long to wait after a test for its sockets to be closed. */
    public static final String SETTLE = "closewait.junit.settle";
    /** Whether any socket the test left open fails it, not only those in CLOSE_WAIT. */
    public static final String STRICT = "closewait.junit.strict";
    /** A file of ignore rules (the agent's format) for known leaks, applied with the agent's own {@code ignore} file. */
    public static final String IGNORE = "closewait.junit.ignore";
    /** Default of {@link #SETTLE}. */
    public static final String DEFAULT_SETTLE = "1s";
    /** JUnit's switch for parallel execution, named in messages. */
    static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CloseWaitExtension.class);
    private static final String WINDOW = "window";
    private static final long POLL_MILLIS = 50;

    @Override
    public void beforeEach(ExtensionContext context) {
        // First of all: no class that leads to the agent's bridge may be loaded before the agent runs (AgentPresence).
        AgentPresence.require(selfAttachOptions(context));
        TestWindows.Window window = TestWindows.open(testName(context), Thread.currentThread(),
                context.getRequiredTestClass().getName(), context.getRequiredTestMethod().getName(), OpenSockets.mark());
        context.getStore(NAMESPACE).put(WINDOW, window);
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        TestWindows.Window window = context.getStore(NAMESPACE).remove(WINDOW, TestWindows.Window.class);
        if (window == null) {
            return;
        }
        try {
            judge(context, window);
        } finally {
            TestWindows.close(window, OpenSockets.mark());
        }
    }

    private static void judge(ExtensionContext context, TestWindows.Window window) throws InterruptedException {
        boolean strict = context.getConfigurationParameter(STRICT).map(Boolean::parseBoolean).orElse(false);
        long settle = Option.millis(SETTLE, context.getConfigurationParameter(SETTLE).orElse(DEFAULT_SETTLE));
        List<IgnoreRules> rules = KnownLeaks.inForce(context.getConfigurationParameter(IGNORE).orElse(null));
        Map<Long, Boolean> ignored = new HashMap<>();
        long deadline = System.nanoTime() + settle * 1_000_000;
        Left left = leftOpen(window, strict, rules, ignored);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
            left = leftOpen(window, strict, rules, ignored);
        }
        if (!left.isEmpty()) {
            throw new AssertionError(message(context, window, left, strict, settle));
        }
    }

    /** The sockets a test left: those it opened, and those it may have opened beside tests running with it. */
    private static final class Left {
        final List<Finding> mine = new ArrayList<>();
        final List<Finding> ambiguous = new ArrayList<>();

        boolean isEmpty() {
            return mine.isEmpty() && ambiguous.isEmpty();
        }
    }

    private static Left leftOpen(TestWindows.Window window, boolean strict, List<IgnoreRules> rules,
                                 Map<Long, Boolean> ignored) {
        Left left = new Left();
        for (Finding socket : OpenSockets.openedAfter(window.start)) {
            if (strict ? socket.state() == null : socket.state() != TcpState.CLOSE_WAIT) {
                continue;
            }
            if (socket.isHeldByPool()) {
                continue; // idle in a known pool: the pool's to close, not the test's
            }
            TestWindows.Owner owner = TestWindows.owner(window, socket);
            if (owner == TestWindows.Owner.ANOTHER_TEST
                    || ignored.computeIfAbsent(socket.id(), id -> KnownLeaks.match(rules, socket) != null)) {
                continue;
            }
            (owner == TestWindows.Owner.THIS_TEST ? left.mine : left.ambiguous).add(socket);
        }
        return left;
    }

    private static String message(ExtensionContext context, TestWindows.Window window, Left left, boolean strict,
                                  long settle) {
        String what = strict ? "open" : "in CLOSE_WAIT (the peer closed, the code never did)";
        StringBuilder text = new StringBuilder();
        if (!left.mine.isEmpty()) {
            text.append(context.getDisplayName()).append(" left ").append(sockets(left.mine.size())).append(' ')
                    .append(what).append(" after waiting ").append(settle).append(" ms (").append(SETTLE).append("):\n");
            for (Finding socket : left.mine) {
                text.append(TextReport.DEFAULT.openSocket(withoutTestFramework(socket)));
            }
        }
        if (!left.ambiguous.isEmpty()) {
            Set<String> threads = new LinkedHashSet<>();
            Set<String> tests = new LinkedHashSet<>();
            for (Finding socket : left.ambiguous) {
                threads.add('"' + TextReport.printable(socket.thread()) + '"');
                TestWindows.runningAt(socket.id(), window).forEach(other -> tests.add(other.name));
            }
            text.append(context.getDisplayName()).append(": closewait cannot tell which test left ")
                    .append(sockets(left.ambiguous.size())).append(' ').append(what).append(" after waiting ")
                    .append(settle).append(" ms (").append(SETTLE).append("), so it charges none of them alone: opened on ")
                    .append(threads.size() == 1 ? "thread " : "threads ").append(String.join(", ", threads))
                    .append(" while this test (").append(window.name).append(") ran side by side with ")
                    .append(String.join(", ", tests)).append(" (").append(PARALLEL).append("), by code that is not one")
                    .append(" test's own. Open them on the test's thread, or run these tests one at a time (@Isolated,")
                    .append(" or @Execution(ExecutionMode.SAME_THREAD) on their class):\n");
            for (Finding socket : left.ambiguous) {
                text.append(TextReport.DEFAULT.openSocket(withoutTestFramework(socket)));
            }
        }
        return text.toString();
    }

    private static String sockets(int count) {
        return count + (count == 1 ? " socket" : " sockets");
    }

    /** The stack up to the test's own frames: what calls the test (JUnit, reflection) says nothing. */
    private static Finding withoutTestFramework(Finding socket) {
        List<String> stack = new ArrayList<>();
        for (String frame : socket.stack()) {
            if (frame.contains("org.junit.")) {
                break;
            }
            stack.add(frame);
        }
        while (!stack.isEmpty() && stack.get(stack.size() - 1).contains("jdk.internal.reflect.")
                || !stack.isEmpty() && stack.get(stack.size() - 1).contains("java.lang.reflect.")) {
            stack.remove(stack.size() - 1);
        }
        return socket.toBuilder().stack(stack).build();
    }

    private static String testName(ExtensionContext context) {
        return context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName() + "()"
                + (context.getDisplayName().startsWith(context.getRequiredTestMethod().getName() + "(") ? ""
                : " [" + context.getDisplayName() + "]");
    }

    /**
     * The options the extension loads the agent with where it must load it itself: its text on
     * stderr, and the ignore file of {@link #IGNORE}, so the agent and the extension apply the same rules.
     */
    private static String selfAttachOptions(ExtensionContext context) {
        String options = Option.LOG.key() + "=" + Option.LOG_STDERR;
        String ignore = context.getConfigurationParameter(IGNORE).orElse("").trim();
        if (!ignore.isEmpty()) {
            String path = Paths.get(ignore).toAbsolutePath().normalize().toString();
            options += "," + Option.IGNORE.key() + "=" + (path.indexOf(',') >= 0 ? '"' + path + '"' : path);
        }
        return options;
    }
}
