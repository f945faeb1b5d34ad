package dev.closewait.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * Every shaded class the agent's own classes name is in the jar, and none of them names a library
     * by its original package: relocation rewrote each reference, and the shade plugin's minimizing
     * kept what is used.
     */
    @Test
    void everyThirdPartyClassTheAgentUsesIsRelocatedUnderTheShadedPrefixAndPresent() throws Exception {
        Pattern shaded = Pattern.compile("dev/closewait/shaded/[A-Za-z0-9_/$]+");
        Pattern unrelocated = Pattern.compile("L(net/bytebuddy|com/fasterxml|picocli)/[A-Za-z0-9_/$]+;");
        Set<String> referenced = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        List<String> original = new ArrayList<>();
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                if (!name.endsWith(".class") || name.startsWith("dev/closewait/shaded/")) {
                    continue;
                }
                // Class names and descriptors are plain UTF-8 in the constant pool.
                String constants = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
                Matcher reference = shaded.matcher(constants);
                while (reference.find()) {
                    referenced.add(reference.group());
                }
                Matcher leftOver = unrelocated.matcher(constants);
                while (leftOver.find()) {
                    original.add(name + " -> " + leftOver.group());
                }
            }
            for (String type : referenced) {
                if (jar.getEntry(type + ".class") == null && jar.getEntry(type + "/") == null) {
                    missing.add(type);
                }
            }
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("META-INF/versions/")),
                    "multi-release variants are not relocated, so none may ship");
        }
        for (String used : List.of("dev/closewait/shaded/net/bytebuddy/asm/Advice",
                "dev/closewait/shaded/com/fasterxml/jackson/core/JsonFactory", "dev/closewait/shaded/picocli/CommandLine")) {
            assertTrue(referenced.contains(used), used + " is among the references found: " + referenced);
        }
        assertEquals(List.of(), missing, "shaded classes the agent names but the jar lacks");
        assertEquals(List.of(), original, "references to a library's original package");
    }

    @Test
    void versionComesFromTheManifest() throws Exception {
        String version;
        try (JarFile jar = new JarFile(ScenarioProcess.agentJar().toFile())) {
            version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
        Cli.Run run = Cli.run(Jdk.running(), "--version");
        assertEquals(0, run.status(), run.describe());
        assertEquals("closewait " + version, run.out().strip(), run.describe());
        assertEquals("0.1.0", version, "the project's version");
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
