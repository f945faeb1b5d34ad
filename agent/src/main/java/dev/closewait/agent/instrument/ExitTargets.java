package dev.closewait.agent.instrument;

import java.util.List;

/**
 * Where the JDK ends the JVM ({@code java.lang.Shutdown}) and where threads die of uncaught
 * exceptions, so {@code failOnLeak} can set the exit status after every shutdown hook. Only woven
 * when that option is on.
 */
final class ExitTargets {

    private ExitTargets() {
    }

    static List<JdkTarget> all() {
        return List.of(
                new JdkTarget("java/lang/Shutdown", "halt", "(I)V", JdkHook.EXIT_STATUS),
                new JdkTarget("java/lang/Shutdown", "shutdown", "()V", JdkHook.SHUTDOWN_HOOKS_RAN),
                new JdkTarget("java/lang/Thread", "dispatchUncaughtException", "(Ljava/lang/Throwable;)V",
                        JdkHook.UNCAUGHT_EXCEPTION));
    }
}
