package dev.closewait.agent.identity;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Who the agent is, in one place: its version, how a JVM shows that it runs the agent, the name of
 * its MBean, where its jar is, and what the JDK says about agents loaded at run time. The CLI, the
 * JUnit extension, the live views and the runtime all read these; none retypes them.
 */
public final class AgentIdentity {

    /** The tool's name, as the report's {@code tool} field and the CLI's name. */
    public static final String NAME = "closewait";
    /** Set in the host JVM while the agent runs, to its version: how the CLI tells that a JVM runs it. */
    public static final String RUNNING_PROPERTY = "closewait.agent.version";
    /**
     * Set in the host JVM after each attach, to {@code <sequence> OK|REFUSED <message>}: how the
     * CLI learns whether an attach or re-attach was applied, and why not.
     */
    public static final String ATTACH_RESULT_PROPERTY = "closewait.agent.attachResult";
    /** The word of {@link #ATTACH_RESULT_PROPERTY} for an attach that was applied. */
    public static final String ATTACH_APPLIED = "OK";
    /** The word of {@link #ATTACH_RESULT_PROPERTY} for an attach that was refused. */
    public static final String ATTACH_REFUSED = "REFUSED";
    /**
     * The key under which the agent answers the attach API's request for agent properties
     * ({@code VirtualMachine.getAgentProperties()}) with its live JSON report: how
     * {@code closewait report PID} reads it. Added only to that answer, never to the JVM's properties.
     */
    public static final String REPORT_PROPERTY = "closewait.report";
    /** Beside {@link #REPORT_PROPERTY}: the options that shape the text report ({@code grace=10s,app=com.acme.}). */
    public static final String REPORT_TEXT_OPTIONS_PROPERTY = "closewait.report.textOptions";
    /** Where the agent's MBean is registered. */
    public static final String MBEAN_NAME = "dev.closewait:type=LeakDetector";
    /** The first JDK that warns about agents loaded into a running JVM (JEP 451). */
    public static final int FIRST_JDK_WARNING_ON_ATTACH = 21;
    /** What a user can do about that warning. */
    public static final String AVOID_ATTACH_WARNING = "to avoid it, start the JVM with"
            + " -XX:+EnableDynamicAgentLoading, or load closewait at start-up with -javaagent";

    private AgentIdentity() {
    }

    /** The agent's version, from its jar's manifest; {@code dev} when run from classes. */
    public static String version() {
        String version = AgentIdentity.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** The agent jar this code runs from, or {@code null} when it does not run from a jar (tests on classes). */
    public static Path ownJar() {
        try {
            Path path = Paths.get(AgentIdentity.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return path.toString().endsWith(".jar") ? path.toAbsolutePath() : null;
        } catch (URISyntaxException | RuntimeException unknown) {
            return null;
        }
    }

    /** The note a user attaching to a JDK of {@code feature} reads, or {@code null} when that JDK prints no warning. */
    public static String attachWarningNote(int feature) {
        return feature < FIRST_JDK_WARNING_ON_ATTACH ? null : "JDK " + feature + " prints a warning in that JVM about a"
                + " dynamically loaded agent (JEP 451). It is harmless; " + AVOID_ATTACH_WARNING + ".";
    }
}
