package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.asm.Advice;

/** Advice inlined into {@code ManagementFactory}: only forwards the platform MBean server to the bridge. */
final class ManagementAdvice {

    private ManagementAdvice() {
    }

    /** {@code ManagementFactory.getPlatformMBeanServer()}: the server it returns. */
    static final class PlatformServer {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object server) {
            EventBridge.platformMBeanServer(server);
        }
    }
}
