package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.asm.Advice;

/** Advice inlined into {@code jdk.internal.vm.VMSupport}: only hands the JVM's answer to the bridge. */
final class LiveReportAdvice {

    private LiveReportAdvice() {
    }

    /** {@code VMSupport.serializeAgentPropertiesToByteArray()}: the answer to the attach API's {@code agentProperties}. */
    static final class AgentProperties {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return(readOnly = false) byte[] serialized) {
            serialized = EventBridge.agentPropertiesRequested(serialized);
        }
    }
}
