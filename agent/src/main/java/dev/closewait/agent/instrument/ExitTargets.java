package dev.closewait.agent.instrument;

import java.util.List;
import java.util.Set;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where the JDK ends the JVM ({@code java.lang.Shutdown}) and where threads die of uncaught
 * exceptions ({@link ExitAdvice}), so {@code failOnLeak} can set the exit status after every
 * shutdown hook. Only woven when that option is on.
 */
final class ExitTargets {

    /** The classes, as internal names. */
    static final Set<String> INTERNAL_NAMES = Set.of("java/lang/Shutdown", "java/lang/Thread");

    private ExitTargets() {
    }

    static List<Target> all() {
        return List.of(
                new Target(named("java.lang.Shutdown"), named("halt").and(takesArguments(1))
                        .and(takesArgument(0, int.class)), ExitAdvice.Halt.class),
                new Target(named("java.lang.Shutdown"), named("shutdown").and(takesNoArguments()),
                        ExitAdvice.AfterHooks.class),
                new Target(named("java.lang.Thread"), named("dispatchUncaughtException").and(takesArguments(1))
                        .and(takesArgument(0, Throwable.class)), ExitAdvice.Uncaught.class));
    }
}
