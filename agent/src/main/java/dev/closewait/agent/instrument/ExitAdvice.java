package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.asm.Advice;

/**
 * Advice for {@code failOnLeak}: the exit status can only be changed where the JDK ends the JVM,
 * after every shutdown hook (the agent's final scan among them) has run.
 */
final class ExitAdvice {

    private ExitAdvice() {
    }

    /** {@code Shutdown.halt(int)}: the end of {@code System.exit}; the status may be replaced. */
    static final class Halt {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(value = 0, readOnly = false) int status) {
            status = EventBridge.exitStatus(status);
        }
    }

    /** {@code Shutdown.shutdown()}: the hooks ran after {@code main} returned; halt if the status must change. */
    static final class AfterHooks {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit() {
            int status = EventBridge.exitStatus(ConnectionEvents.STATUS_UNKNOWN);
            if (status != ConnectionEvents.STATUS_UNKNOWN) {
                Runtime.getRuntime().halt(status);
            }
        }
    }

    /** {@code Thread.dispatchUncaughtException}: main dying this way makes the launcher exit with 1. */
    static final class Uncaught {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Thread thread) {
            EventBridge.uncaughtException(thread);
        }
    }
}
