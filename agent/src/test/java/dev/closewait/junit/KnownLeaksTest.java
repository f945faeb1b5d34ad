package dev.closewait.junit;

import dev.closewait.agent.detect.IgnoreRules;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names {@link KnownLeaks#agentRules()} reads by reflection, pinned: a change in the agent that
 * renames them fails here, not silently in a user's build (WithAgentIT proves the rules are the agent's).
 */
class KnownLeaksTest {

    @Test
    void theAgentsRulesAreWhereTheExtensionLooksForThem() throws Exception {
        Class<?> runtime = Class.forName(KnownLeaks.RUNTIME_CLASS);
        Method running = runtime.getDeclaredMethod(KnownLeaks.RUNNING_METHOD);
        assertTrue(Modifier.isStatic(running.getModifiers()));
        assertEquals(runtime, running.getReturnType());
        Field scanner = runtime.getDeclaredField(KnownLeaks.SCANNER_FIELD);
        assertEquals(IgnoreRules.class, scanner.getType().getMethod(KnownLeaks.RULES_METHOD).getReturnType());
    }

    @Test
    void withoutTheAgentThereAreNoRules() {
        assertEquals(IgnoreRules.none(), KnownLeaks.agentRules());
    }
}
