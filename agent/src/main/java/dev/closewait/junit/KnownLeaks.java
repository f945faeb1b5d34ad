package dev.closewait.junit;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.IgnoreRules;
import dev.closewait.agent.io.FileProblem;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ignore rules a test's sockets are held to: the running agent's own (its {@code ignore}
 * option), and the file named by {@link CloseWaitExtension#IGNORE}. A rule that leaves out a
 * socket here counts as matched in the agent too, so the agent does not end the run saying the rule
 * "matched nothing" when only a test met that leak.
 */
final class KnownLeaks {

    /** Where the running agent keeps its rules: {@code AgentRuntime.running().scanner.ignoreRules()}. */
    static final String RUNTIME_CLASS = "dev.closewait.agent.AgentRuntime";
    static final String RUNNING_METHOD = "running";
    static final String SCANNER_FIELD = "scanner";
    static final String RULES_METHOD = "ignoreRules";

    /** Files named by the configuration parameter, read once per JVM so their match counts add up. */
    private static final Map<Path, IgnoreRules> FILES = new ConcurrentHashMap<>();
    private static volatile boolean agentRulesUnreadableSaid;

    private KnownLeaks() {
    }

    /**
     * The rules in force for a test: the agent's, then those of {@code parameterFile} (a path, or
     * {@code null}) unless it is the agent's file.
     *
     * @throws IllegalArgumentException if that file cannot be read or holds a line that is not a rule
     */
    static List<IgnoreRules> inForce(String parameterFile) {
        List<IgnoreRules> rules = new ArrayList<>();
        IgnoreRules agent = agentRules();
        rules.add(agent);
        if (parameterFile != null && !parameterFile.trim().isEmpty()) {
            Path file = Paths.get(parameterFile.trim()).toAbsolutePath().normalize();
            if (!file.equals(agent.file() == null ? null : agent.file().normalize())) {
                rules.add(FILES.computeIfAbsent(file, KnownLeaks::read));
            }
        }
        return rules;
    }

    /** The first rule among {@code rules} that leaves out {@code socket} (counting it), or {@code null}. */
    static IgnoreRules.Rule match(List<IgnoreRules> rules, Finding socket) {
        for (IgnoreRules each : rules) {
            IgnoreRules.Rule rule = each.match(socket.stack(), String.valueOf(socket.remote()));
            if (rule != null) {
                return rule;
            }
        }
        return null;
    }

    private static IgnoreRules read(Path file) {
        try {
            return IgnoreRules.read(file);
        } catch (IOException unreadable) {
            throw new IllegalArgumentException("cannot read the ignore file " + file + " (" + CloseWaitExtension.IGNORE
                    + "): " + FileProblem.reason(unreadable), unreadable);
        } catch (IllegalArgumentException badRule) {
            throw new IllegalArgumentException("bad ignore file (" + CloseWaitExtension.IGNORE + "): "
                    + badRule.getMessage(), badRule);
        }
    }

    /**
     * The rules the running agent applies, the very objects whose match counts it reports at exit.
     * The agent offers no accessor for them yet, so they are read by reflection from
     * {@code AgentRuntime.running().scanner.ignoreRules()}; {@code KnownLeaksTest} pins those names.
     * Should they change, the agent's rules are not applied here, after one warning that says so.
     */
    static IgnoreRules agentRules() {
        try {
            Class<?> runtimeClass = Class.forName(RUNTIME_CLASS, false,
                    KnownLeaks.class.getClassLoader());
            Method running = runtimeClass.getDeclaredMethod(RUNNING_METHOD);
            running.setAccessible(true);
            Object runtime = running.invoke(null);
            if (runtime == null) {
                return IgnoreRules.none();
            }
            Field scanner = runtimeClass.getDeclaredField(SCANNER_FIELD);
            scanner.setAccessible(true);
            Object theScanner = scanner.get(runtime);
            return (IgnoreRules) theScanner.getClass().getMethod(RULES_METHOD).invoke(theScanner);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError changed) {
            if (!agentRulesUnreadableSaid) {
                agentRulesUnreadableSaid = true;
                System.err.println("[closewait] the JUnit extension cannot read the agent's ignore rules (" + changed
                        + "); name the same file with the configuration parameter " + CloseWaitExtension.IGNORE);
            }
            return IgnoreRules.none();
        }
    }
}
