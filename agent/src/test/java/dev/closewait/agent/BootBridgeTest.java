package dev.closewait.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bridge's way into the bootstrap class loader where the JDK's {@code Unsafe} cannot be reached:
 * a jar appended to the boot path, holding the bridge's class files as the agent has them, deleted
 * once appended. (The first way, defining them directly, needs a real {@link Instrumentation}: the
 * end-to-end tests run it in every JVM they start, and {@code AgentStartupEndToEndTest} checks that
 * the JVM then says nothing and keeps sharing archived classes.) This JVM runs without the agent, so
 * the bridge is not in its bootstrap class loader, and the check after the append says so.
 */
class BootBridgeTest {

    @Test
    void whereModulesCannotBeChangedTheBridgeGoesInAJarAppendedToTheBootPathAndItsAbsenceAfterIsAnError()
            throws Exception {
        Map<String, byte[]> appended = new LinkedHashMap<>();
        List<Path> jars = new ArrayList<>();
        Instrumentation refusing = (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "redefineModule":
                            throw new UnsupportedOperationException("modules are not modifiable here");
                        case "appendToBootstrapClassLoaderSearch":
                            JarFile jar = (JarFile) args[0];
                            jars.add(Path.of(jar.getName()));
                            for (var entries = jar.entries(); entries.hasMoreElements(); ) {
                                var entry = entries.nextElement();
                                try (InputStream in = jar.getInputStream(entry)) {
                                    appended.put(entry.getName(), in.readAllBytes());
                                }
                            }
                            return null;
                        default:
                            throw new AssertionError("not expected: " + method);
                    }
                });
        assertFalse(BootBridge.isInstalled(), "this test JVM runs without the agent");

        IOException absent = assertThrows(IOException.class, () -> BootBridge.install(refusing));

        assertEquals(Arrays.asList(BootBridge.CLASSES), new ArrayList<>(appended.keySet()));
        for (String file : BootBridge.CLASSES) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
                assertArrayEquals(in.readAllBytes(), appended.get(file), file);
            }
        }
        assertTrue(absent.getMessage().startsWith("the bootstrap class loader does not have "
                + "dev.closewait.agent.boot.EventBridge, appended in "), absent.getMessage());
        assertTrue(absent.getMessage().endsWith("; defining them directly failed first: "
                + "java.lang.UnsupportedOperationException: modules are not modifiable here"), absent.getMessage());
        assertEquals(1, jars.size());
        assertFalse(Files.exists(jars.get(0)), "the jar is deleted once appended");
        assertFalse(Files.exists(jars.get(0).getParent()), "and its private directory with it");
    }

    @Test
    void thePrivateModulesClassesAreNamedAsTheyAre() {
        assertEquals(UnsafeBootDefiner.class.getName(), PrivateModule.DEFINER);
        assertEquals(AccessOpener.class.getName(), PrivateModule.OPENER);
    }
}
