package dev.closewait.agent.instrument;

import java.util.List;
import java.util.Set;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where the platform MBean server comes to be ({@link ManagementAdvice}):
 * {@code ManagementFactory.getPlatformMBeanServer()}, which the application, a JMX library or the
 * JDK's own management agent (started by {@code -Dcom.sun.management.jmxremote} or by an attaching
 * tool) call. The agent registers its MBean there instead of making the server itself, which would
 * decide the host's {@code java.util.logging} and {@code javax.management.builder.initial} for it.
 */
final class ManagementTargets {

    static final String MANAGEMENT_FACTORY = "java.lang.management.ManagementFactory";
    /** The classes, as internal names. */
    static final Set<String> INTERNAL_NAMES = Set.of("java/lang/management/ManagementFactory");

    private ManagementTargets() {
    }

    static List<Target> all() {
        return List.of(new Target(named(MANAGEMENT_FACTORY), named("getPlatformMBeanServer").and(takesNoArguments()),
                ManagementAdvice.PlatformServer.class));
    }
}
