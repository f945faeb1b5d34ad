package dev.closewait.agent;

import dev.closewait.agent.report.TextReport;

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
            BootBridgeJar.append(instrumentation);
            AgentRuntime.start(options, instrumentation, false);
        } catch (StartupException bad) {
            refuseToStart(bad.getMessage());
        } catch (Throwable fault) {
            AgentRuntime.warnDisabled("could not start", fault);
        }
    }

    /** Called when the agent is loaded into a running JVM. */
    public static void agentmain(String args, Instrumentation instrumentation) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException bad) {
            // The attaching side validates options first; the target keeps running untouched.
            System.err.println(TextReport.PREFIX + "attach refused, invalid agent options: " + bad.getMessage());
            return;
        }
        try {
            if (!BootBridgeJar.isAppended()) {
                BootBridgeJar.append(instrumentation);
            }
            AgentRuntime.start(options, instrumentation, true);
        } catch (StartupException bad) {
            System.err.println(TextReport.PREFIX + "attach refused: " + bad.getMessage());
        } catch (Throwable fault) {
            AgentRuntime.warnDisabled("could not start after attach", fault);
        }
    }

    private static void refuseToStart(String problem) {
        System.err.println(TextReport.PREFIX + problem);
        System.err.println(TextReport.PREFIX + "the JVM exits with status " + EXIT_BAD_OPTIONS
                + "; fix the options after -javaagent:closewait-agent.jar=");
        System.err.flush();
        System.exit(EXIT_BAD_OPTIONS);
    }
}
