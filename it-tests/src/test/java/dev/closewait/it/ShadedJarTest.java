package dev.closewait.it;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar users run: one shaded jar, every class under {@code dev/closewait/}, the agent manifest. */
class ShadedJarTest {

    @Test
    void everyClassInTheAgentJarLivesUnderDevCloseWait() throws Exception {
        List<String> outside = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                if (entry.getName().endsWith(".class")) {
                    classes++;
                    if (!entry.getName().startsWith("dev/closewait/")) {
                        outside.add(entry.getName());
                    }
                }
            }
        }
        assertTrue(classes > 1000, "Byte Buddy and Jackson are inside: " + classes + " classes");
        assertEquals(List.of(), outside, "classes outside dev/closewait/ (not relocated)");
    }

    @Test
    void thirdPartyCodeIsRelocatedUnderTheShadedPrefix() throws Exception {
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            assertTrue(jar.getEntry("dev/closewait/shaded/net/bytebuddy/agent/builder/AgentBuilder.class") != null);
            assertTrue(jar.getEntry("dev/closewait/shaded/com/fasterxml/jackson/core/JsonFactory.class") != null);
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("META-INF/versions/")),
                    "multi-release variants are not relocated, so none may ship");
        }
    }

    @Test
    void onLinuxX8664TheJarCarriesItsNetlinkLibraryAndNoOtherNativeCode() throws Exception {
        boolean linuxX8664 = System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            List<String> nativeCode = jar.stream().map(JarEntry::getName)
                    .filter(n -> n.endsWith(".so") || n.endsWith(".dll") || n.endsWith(".dylib") || n.endsWith(".jnilib"))
                    .toList();
            assertEquals(linuxX8664 ? List.of("META-INF/native/linux-x86_64/libclosewait-netlink.so") : List.of(),
                    nativeCode, "built on " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
    }

    @Test
    void manifestDeclaresAgentEntryPointsAndRetransformation() throws Exception {
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("dev.closewait.agent.CloseWaitAgent", main.getValue("Premain-Class"));
            assertEquals("dev.closewait.agent.CloseWaitAgent", main.getValue("Agent-Class"));
            assertEquals("dev.closewait.cli.CloseWaitCli", main.getValue("Main-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertTrue(main.getValue("Implementation-Version") != null, "the version the report carries");
        }
    }
}
