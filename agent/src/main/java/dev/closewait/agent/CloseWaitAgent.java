package dev.closewait.agent;

import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.track.JdbcSecrets;

import java.lang.instrument.Instrumentation;

/**
 * Entry point of {@code -javaagent:closewait-agent.jar=options} ({@link #premain}) and of a dynamic
 * attach ({@link #agentmain}).
 *
 * <p>Bad options at start-up stop the JVM with status 2 and a message, never a crash: throwing out
 * of {@code premain} would abort the JVM with native frames. Any other failure leaves the
 * application running without the agent, after one warning.
 */
public final class CloseWaitAgent {

    /** Exit status of a JVM whose agent options are invalid. */
    public static final int EXIT_BAD_OPTIONS = 2;

    /** Attaches so far in this JVM: the sequence number of {@link AgentIdentity#ATTACH_RESULT_PROPERTY}. */
    private static final java.util.concurrent.atomic.AtomicLong ATTACHES = new java.util.concurrent.atomic.AtomicLong();

    private CloseWaitAgent() {
    }

    /** Called by the JVM for {@code -javaagent:}. */
    public static void premain(String args, Instrumentation instrumentation) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException bad) {
            refuseToStart("invalid agent options: " + bad.getMessage());
            return;
        }
        try {
            // A second -javaagent of closewait finds the bridge there: appending it again would cost the JVM its class sharing.
            String bridge = BootBridge.isInstalled() ? "" : BootBridge.install(instrumentation);
            AgentRuntime.start(options, instrumentation, false, bridge);
        } catch (StartupException bad) {
            refuseToStart(bad.getMessage());
        } catch (Throwable fault) {
            AgentRuntime.warnDisabled("could not start", fault);
        }
    }

    /**
     * Called when the agent is loaded into a running JVM. The target runs on untouched whatever
     * happens; the outcome is left in {@link AgentIdentity#ATTACH_RESULT_PROPERTY} for the CLI.
     */
    public static void agentmain(String args, Instrumentation instrumentation) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException bad) {
            attachResult(false, "invalid agent options: " + bad.getMessage());
            return;
        }
        try {
            String bridge = BootBridge.isInstalled() ? "" : BootBridge.install(instrumentation);
            Reconfiguration result = AgentRuntime.start(options, instrumentation, true, bridge);
            attachResult(result.applied, result.message);
        } catch (StartupException bad) {
            attachResult(false, bad.getMessage());
        } catch (Throwable fault) {
            AgentRuntime.warnDisabled("could not start after attach", fault);
            attachResult(false, "closewait could not start: " + JdbcSecrets.maskUrl(String.valueOf(fault)));
        }
    }

    /** Says, in the target's stderr and its system property, what an attach did. */
    private static void attachResult(boolean applied, String message) {
        if (!applied) {
            System.err.println(TextReport.PREFIX + "attach refused: " + TextReport.printable(message));
        }
        System.setProperty(AgentIdentity.ATTACH_RESULT_PROPERTY, ATTACHES.incrementAndGet() + " "
                + (applied ? AgentIdentity.ATTACH_APPLIED : AgentIdentity.ATTACH_REFUSED) + " " + message);
    }

    private static void refuseToStart(String problem) {
        System.err.println(TextReport.PREFIX + TextReport.printable(problem));
        System.err.println(TextReport.PREFIX + "the JVM exits with status " + EXIT_BAD_OPTIONS
                + "; fix the options after -javaagent:closewait-agent.jar=");
        System.err.flush();
        System.exit(EXIT_BAD_OPTIONS);
    }
}
