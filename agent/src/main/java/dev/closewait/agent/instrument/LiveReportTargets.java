package dev.closewait.agent.instrument;

import java.util.List;
import java.util.Set;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where {@code closewait report PID} reads the live report ({@link LiveReportAdvice}): the method
 * with which the JVM answers the attach API's {@code agentProperties} command
 * ({@code VirtualMachine.getAgentProperties()}), run by the JVM's attach listener. The report is
 * rendered only when asked, and travels in that answer alone: nothing is started in the target, and
 * nothing stays there after the command (JDK 11 to 25 have this method; without it nothing is woven).
 */
final class LiveReportTargets {

    static final String VM_SUPPORT = "jdk.internal.vm.VMSupport";
    /** The classes, as internal names. */
    static final Set<String> INTERNAL_NAMES = Set.of("jdk/internal/vm/VMSupport");

    private LiveReportTargets() {
    }

    static List<Target> all() {
        return List.of(new Target(named(VM_SUPPORT),
                named("serializeAgentPropertiesToByteArray").and(isStatic()).and(takesNoArguments()),
                LiveReportAdvice.AgentProperties.class));
    }
}
