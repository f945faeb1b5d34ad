package dev.closewait.agent;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;

import java.util.List;

/**
 * In-process access to the running agent, for test tools such as the JUnit extension: which
 * sockets a piece of code opened and left open. Every method is safe to call without the agent.
 */
public final class OpenSockets {

    private OpenSockets() {
    }

    /** Whether the agent runs in this JVM (and has not turned itself off). */
    public static boolean agentRunning() {
        return AgentRuntime.running() != null;
    }

    /** A mark: sockets opened after this call have greater ids. 0 without the agent. */
    public static long mark() {
        AgentRuntime runtime = AgentRuntime.running();
        return runtime == null ? 0 : runtime.lastTrackedId();
    }

    /**
     * Scans the TCP table now, as the agent's own thread does every interval (the report file and
     * the log are written if findings changed), and returns the report as of now; {@code null}
     * without the agent. For tests that would otherwise wait for the next scan.
     */
    public static LeakReport scanNow() {
        AgentRuntime runtime = AgentRuntime.running();
        return runtime == null ? null : runtime.scanNow();
    }

    /**
     * The sockets opened after {@code mark} and still open, oldest first, each with the TCP state
     * the kernel shows now ({@code null} when it shows none). Empty without the agent.
     */
    public static List<Finding> openedAfter(long mark) {
        AgentRuntime runtime = AgentRuntime.running();
        return runtime == null ? List.of() : runtime.openSocketsAfter(mark);
    }
}
