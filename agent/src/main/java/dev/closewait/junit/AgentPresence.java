package dev.closewait.junit;

import dev.closewait.agent.identity.AgentIdentity;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Makes sure the agent runs in this JVM before the extension asks it anything: it is there
 * ({@code -javaagent:}, Surefire's {@code argLine}), or it is loaded now through self-attach, or the
 * test fails with the exact {@code argLine} to add.
 *
 * <p>Until the agent runs, neither this class nor the extension may touch agent classes that lead to
 * the bridge (only {@link AgentIdentity} and {@code Option}, which know nothing of it). Self-attach loads the agent into the application class
 * loader, where these classes already live; the agent then appends its bridge package
 * ({@code dev.closewait.agent.boot}) to the bootstrap class path, and the instrumented JDK classes
 * call the bridge there. Had anything loaded a bridge class through the application class loader
 * first, that copy would win: the agent would install itself on the wrong class and track nothing,
 * silently. {@code OpenSockets.agentRunning()} did exactly that: it initializes
 * {@code AgentRuntime}, whose verification loads {@code ConnectionEvents} (to check that
 * {@code SocketRegistry} may be passed as one) through the application class loader.
 */
final class AgentPresence {

    /** The bridge's interface: where the JDK's instrumented classes deliver events (must be the bootstrap copy). */
    private static final String BRIDGE_CLASS = "dev.closewait.agent.boot.ConnectionEvents";
    /** The system property the JDK reads to allow a JVM to attach to itself. */
    static final String ALLOW_ATTACH_SELF = "jdk.attach.allowAttachSelf";

    /** Why the agent is not usable here, once found; {@code null} while it is, or before the first test. */
    private static String problem;
    private static boolean checked;

    private AgentPresence() {
    }

    /**
     * Returns once the agent runs in this JVM, loading it with {@code agentOptions} if the JVM allows
     * self-attach; else throws with what to add to the build.
     */
    static synchronized void require(String agentOptions) {
        if (!checked) {
            problem = establish(agentOptions);
            checked = true;
        }
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    private static String establish(String agentOptions) {
        Path jar = AgentIdentity.ownJar();
        String why;
        if (System.getProperty(AgentIdentity.RUNNING_PROPERTY) != null) {
            return bridgeProblem("the closewait agent in this JVM");
        } else if (!Boolean.getBoolean(ALLOW_ATTACH_SELF)) {
            why = "it was not started with the JVM, and the JVM does not allow self-attach (-D" + ALLOW_ATTACH_SELF
                    + "=true), so the extension cannot load it";
        } else if (jar == null) {
            why = "the extension does not run from closewait-agent.jar, so it has no agent jar to load";
        } else {
            why = selfAttach(jar, agentOptions);
            if (why == null) {
                return bridgeProblem("the closewait agent this extension loaded (self-attach)");
            }
        }
        return hint(jar, why);
    }

    /** Loads the agent into this JVM through the attach API, found by reflection (jdk.attach may be absent). */
    private static String selfAttach(Path jar, String agentOptions) {
        Object vm = null;
        Method detach = null;
        try {
            Class<?> vmClass = Class.forName("com.sun.tools.attach.VirtualMachine");
            detach = vmClass.getMethod("detach");
            vm = vmClass.getMethod("attach", String.class).invoke(null, Long.toString(ProcessHandle.current().pid()));
            vmClass.getMethod("loadAgent", String.class, String.class).invoke(vm, jar.toString(), agentOptions);
        } catch (ClassNotFoundException noAttachApi) {
            return "this Java runtime has no jdk.attach module, so the extension cannot load it";
        } catch (InvocationTargetException failed) {
            return "self-attach failed: " + failed.getCause();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError failed) {
            return "self-attach failed: " + failed;
        } finally {
            if (vm != null) {
                try {
                    detach.invoke(vm);
                } catch (ReflectiveOperationException | RuntimeException ignored) {
                    // the agent is loaded or not; the attach connection is of no further use
                }
            }
        }
        if (System.getProperty(AgentIdentity.RUNNING_PROPERTY) == null) {
            String result = System.getProperty(AgentIdentity.ATTACH_RESULT_PROPERTY, "");
            return "the agent did not start after self-attach" + (result.isEmpty() ? " (see its warning on stderr)"
                    : ": " + result.replaceFirst("^\\d+ \\w+ ", ""));
        }
        return null;
    }

    /**
     * {@code null} when the agent's bridge is the bootstrap class path's copy (the only one the JDK's
     * classes can call), else why the agent sees no socket. Safe once the agent runs: the bridge is
     * on the bootstrap class path, so looking it up loads no second copy.
     */
    private static String bridgeProblem(String whose) {
        try {
            ClassLoader loader = Class.forName(BRIDGE_CLASS, false, AgentPresence.class.getClassLoader()).getClassLoader();
            if (loader == null) {
                return null;
            }
            return whose + " tracks no socket: its bridge class " + BRIDGE_CLASS + " was loaded by " + loader
                    + " before the agent put it on the bootstrap class path (something in this JVM used closewait's"
                    + " agent classes before the agent ran). Load the agent at start-up instead: "
                    + agentArgLine(AgentIdentity.ownJar());
        } catch (ClassNotFoundException | LinkageError missing) {
            return whose + " has no bridge class (" + missing + "): is the agent jar whole?";
        }
    }

    /** The failure message of a JVM without the agent: why, then the exact argLine, with the plugin and without. */
    static String hint(Path jar, String why) {
        String version = AgentIdentity.version();
        return "closewait's JUnit extension needs the closewait agent in this JVM: " + why + ".\n"
                + "With the Maven plugin (docs/ci.md), its prepare-agent goal sets argLine, which Surefire and Failsafe"
                + " pass to the test JVM:\n"
                + "  <plugin>\n"
                + "    <groupId>dev.closewait</groupId>\n"
                + "    <artifactId>closewait-maven-plugin</artifactId>\n"
                + "    <version>" + ("dev".equals(version) ? "0.1.0" : version) + "</version>\n"
                + "    <executions><execution><goals><goal>prepare-agent</goal><goal>check</goal></goals></execution></executions>\n"
                + "  </plugin>\n"
                + "  (an <argLine> of your own in Surefire's or Failsafe's configuration must start with @{argLine})\n"
                + "Without the plugin, in Surefire's and Failsafe's configuration, with <argLine></argLine> in the POM's"
                + " <properties> unless a plugin such as JaCoCo's sets argLine (Surefire fails on an @{argLine} it cannot"
                + " replace):\n"
                + "  " + agentArgLine(jar) + "\n"
                + "Or let the extension load the agent itself: <argLine>@{argLine} -D" + ALLOW_ATTACH_SELF
                + "=true</argLine>";
    }

    private static String agentArgLine(Path jar) {
        return "<argLine>@{argLine} -javaagent:" + (jar == null ? "/path/to/closewait-agent.jar" : jar.toString())
                + "</argLine>";
    }
}
