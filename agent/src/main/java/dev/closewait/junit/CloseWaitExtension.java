package dev.closewait.junit;

import dev.closewait.agent.Option;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.OpenSockets;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.tcp.TcpState;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fails the test that leaked: after each test it waits a bounded settle time for the code under
 * test to close what it opened, then fails the test if a socket opened during it is in CLOSE_WAIT
 * (with {@code closewait.junit.strict=true}: if it is still open at all). Needs the agent in the
 * JVM (Surefire's {@code argLine}); without it, the extension loads it itself where the JVM allows
 * self-attach, or fails with the exact {@code argLine} to add.
 *
 * <p>Use {@code @ExtendWith(CloseWaitExtension.class)}, or register it for every test through
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true}).
 * Configuration parameters (junit-platform.properties or system properties):
 * {@code closewait.junit.settle} (default {@code 1s}) and {@code closewait.junit.strict}
 * (default {@code false}).
 */
public final class CloseWaitExtension implements BeforeEachCallback, AfterEachCallback {

    /** How long to wait after a test for its sockets to be closed. */
    public static final String SETTLE = "closewait.junit.settle";
    /** Whether any socket the test left open fails it, not only those in CLOSE_WAIT. */
    public static final String STRICT = "closewait.junit.strict";
    /** Default of {@link #SETTLE}. */
    public static final String DEFAULT_SETTLE = "1s";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CloseWaitExtension.class);
    private static final String MARK = "mark";
    private static final long POLL_MILLIS = 50;

    @Override
    public void beforeEach(ExtensionContext context) {
        requireAgent();
        context.getStore(NAMESPACE).put(MARK, OpenSockets.mark());
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        Long mark = context.getStore(NAMESPACE).remove(MARK, Long.class);
        if (mark == null) {
            return;
        }
        boolean strict = context.getConfigurationParameter(STRICT).map(Boolean::parseBoolean).orElse(false);
        long settle = Option.millis(SETTLE, context.getConfigurationParameter(SETTLE).orElse(DEFAULT_SETTLE));
        long deadline = System.nanoTime() + settle * 1_000_000;
        List<Finding> left = leftOpen(mark, strict);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
            left = leftOpen(mark, strict);
        }
        if (!left.isEmpty()) {
            throw new AssertionError(message(context, left, strict, settle));
        }
    }

    private static List<Finding> leftOpen(long mark, boolean strict) {
        List<Finding> left = new ArrayList<>();
        for (Finding socket : OpenSockets.openedAfter(mark)) {
            if (strict ? socket.state() != null : socket.state() == TcpState.CLOSE_WAIT) {
                left.add(socket);
            }
        }
        return left;
    }

    private static String message(ExtensionContext context, List<Finding> left, boolean strict, long settle) {
        StringBuilder text = new StringBuilder();
        text.append(context.getDisplayName()).append(" left ").append(left.size())
                .append(left.size() == 1 ? " socket " : " sockets ")
                .append(strict ? "open" : "in CLOSE_WAIT (the peer closed, the code never did)")
                .append(" after waiting ").append(settle).append(" ms (").append(SETTLE).append("):\n");
        for (Finding socket : left) {
            text.append(TextReport.DEFAULT.openSocket(withoutTestFramework(socket)));
        }
        return text.toString();
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

    /** The agent must run: load it where the JVM allows self-attach, else say what to add. */
    private static void requireAgent() {
        if (OpenSockets.agentRunning()) {
            return;
        }
        Path jar = AgentIdentity.ownJar();
        if (Boolean.getBoolean("jdk.attach.allowAttachSelf") && jar != null && selfAttach(jar)
                && OpenSockets.agentRunning()) {
            return;
        }
        throw new IllegalStateException("closewait's JUnit extension needs the closewait agent in this JVM. Add it to"
                + " Surefire's (and Failsafe's) argLine:\n  <argLine>@{argLine} -javaagent:"
                + (jar == null ? "/path/to/closewait-agent.jar" : jar) + "</argLine>\n(with maven-dependency-plugin's"
                + " 'properties' goal: -javaagent:${dev.closewait:closewait-agent:jar}; see docs/ci.md, Maven recipe),"
                + " or run the tests with -Djdk.attach.allowAttachSelf=true so the extension can load it itself.");
    }

    /** Loads the agent into this JVM through the attach API, found by reflection (jdk.attach may be absent). */
    private static boolean selfAttach(Path jar) {
        try {
            Class<?> vmClass = Class.forName("com.sun.tools.attach.VirtualMachine");
            Object vm = vmClass.getMethod("attach", String.class).invoke(null, Long.toString(ProcessHandle.current().pid()));
            try {
                vmClass.getMethod("loadAgent", String.class, String.class).invoke(vm, jar.toString(), "log=stderr");
            } finally {
                Method detach = vmClass.getMethod("detach");
                detach.invoke(vm);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notAllowed) {
            return false;
        }
    }

}
