package dev.closewait.agent.instrument;

import java.util.List;

/**
 * Where {@code closewait report PID} reads the live report: the method with which the JVM answers
 * the attach API's {@code agentProperties} command ({@code VirtualMachine.getAgentProperties()}), run
 * by the JVM's attach listener. The report is rendered only when asked, and travels in that answer
 * alone: nothing is started in the target, and nothing stays there after the command (JDK 11 to 25
 * have this method; without it nothing is woven).
 */
final class LiveReportTargets {

    private LiveReportTargets() {
    }

    static List<JdkTarget> all() {
        return List.of(new JdkTarget("jdk/internal/vm/VMSupport", "serializeAgentPropertiesToByteArray", "()[B",
                JdkHook.AGENT_PROPERTIES));
    }
}
