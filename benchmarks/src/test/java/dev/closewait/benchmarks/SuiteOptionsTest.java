package dev.closewait.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line: the names {@code --only} takes (each listed by {@code --help}, each run by the
 * suite), and {@code --peer-agent}, its jar checked and its options passed on as the JVM would split them.
 */
class SuiteOptionsTest {

    @TempDir
    Path dir;

    private SuiteOptions parse(String... args) throws IOException {
        Path agent = dir.resolve("closewait-agent.jar");
        if (!Files.exists(agent)) {
            Files.createFile(agent);
        }
        String[] all = new String[args.length + 2];
        all[0] = "--agent";
        all[1] = agent.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return SuiteOptions.parse(all);
    }

    @Test
    void onlyRunsTheScanWithExtraStatesAndTheSeriesMemoryWhenNamed() throws IOException {
        SuiteOptions options = parse("--only", "scan-states,series-memory");
        assertTrue(options.runs("scan-states"));
        assertTrue(options.runs("series-memory"));
        assertFalse(options.runs("scan"));
        assertFalse(options.runs("memory"));
    }

    @Test
    void helpListsEveryBenchmarkName() {
        for (String name : SuiteOptions.BENCHMARKS) {
            assertTrue(SuiteOptions.USAGE.contains(name), name + " not in --help:\n" + SuiteOptions.USAGE);
        }
        assertTrue(SuiteOptions.BENCHMARKS.containsAll(List.of("scan-states", "series-memory")));
    }

    @Test
    void everyBenchmarkHasItsPlaceInTheRunOrder() {
        assertEquals(SuiteOptions.BENCHMARKS.size(), SuiteOptions.RUN_ORDER.size());
        assertTrue(SuiteOptions.RUN_ORDER.containsAll(SuiteOptions.BENCHMARKS));
    }

    @Test
    void anUnknownNameIsRefusedWithTheKnownOnes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--only", "scan-state"));
        assertTrue(refused.getMessage().contains("series-memory"), refused.getMessage());
    }

    @Test
    void withoutPeerAgentEveryComparisonHasTwoSides() throws IOException {
        SuiteOptions options = parse();
        assertFalse(options.hasPeer());
        assertEquals(List.of(Side.WITHOUT, Side.CLOSEWAIT), options.sides());
        assertEquals("with agent", options.label(Side.CLOSEWAIT));
        assertEquals(List.of(), options.agentArgs(Side.WITHOUT));
        assertEquals(List.of(options.javaagent()), options.agentArgs(Side.CLOSEWAIT));
    }

    @Test
    void peerAgentIsAThirdSideWithItsOwnJavaagentArgument() throws IOException {
        Path peer = agentJar("file-leak-detector-jar-with-dependencies.jar", "org.kohsuke.file_leak_detector.AgentMain");
        SuiteOptions options = parse("--peer-agent", peer.toString());
        assertTrue(options.hasPeer());
        assertEquals(List.of(Side.WITHOUT, Side.CLOSEWAIT, Side.PEER), options.sides());
        assertEquals(List.of("-javaagent:" + peer.toAbsolutePath()), options.agentArgs(Side.PEER));
        assertEquals("closewait", options.label(Side.CLOSEWAIT));
        assertEquals("peer", options.label(Side.PEER));
        assertTrue(options.commandLine.containsAll(List.of("--peer-agent", peer.toString())), options.commandLine.toString());
    }

    @Test
    void peerAgentOptionsFollowTheFirstEqualsSignAsTheJvmSplitsThem() throws IOException {
        Path peer = agentJar("peer.jar", "peer.Main");
        SuiteOptions options = parse("--peer-agent", peer + "=threshold=200,strong");
        assertEquals("threshold=200,strong", options.peer.options());
        assertEquals(List.of("-javaagent:" + peer.toAbsolutePath() + "=threshold=200,strong"),
                options.agentArgs(Side.PEER));
    }

    @Test
    void aMissingPeerAgentJarIsRefusedNamingThePath() {
        Path absent = dir.resolve("no-such-agent.jar");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent", absent + "=trace"));
        assertEquals("--peer-agent: no such file " + absent.toAbsolutePath(), refused.getMessage());
    }

    @Test
    void aFileThatIsNotAJarIsRefused() throws IOException {
        Path text = Files.writeString(dir.resolve("README.jar"), "not a zip");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent", text.toString()));
        assertTrue(refused.getMessage().startsWith("--peer-agent: " + text.toAbsolutePath() + " is not a jar"),
                refused.getMessage());
    }

    @Test
    void aDirectoryIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent", dir.toString()));
        assertTrue(refused.getMessage().contains("is not a file"), refused.getMessage());
    }

    @Test
    void aJarWithoutPremainClassIsRefusedPointingAtTheAgentJar() throws IOException {
        Path library = agentJar("file-leak-detector-1.22.jar", null);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent", library.toString()));
        assertTrue(refused.getMessage().contains("has no Premain-Class"), refused.getMessage());
        assertTrue(refused.getMessage().contains("jar-with-dependencies"), refused.getMessage());
    }

    @Test
    void anEqualsSignWithNothingAfterItIsRefused() throws IOException {
        Path peer = agentJar("peer.jar", "peer.Main");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent", peer + "="));
        assertTrue(refused.getMessage().contains("nothing after '='"), refused.getMessage());
    }

    @Test
    void peerAgentWithoutValueIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> parse("--peer-agent"));
        assertEquals("--peer-agent needs a value", refused.getMessage());
    }

    @Test
    void helpDescribesThePeerAgentAndWhichBenchmarksItSkips() {
        assertTrue(SuiteOptions.USAGE.contains("--peer-agent JAR[=OPTIONS]"), SuiteOptions.USAGE);
        for (String name : SuiteOptions.WITHOUT_PEER) {
            assertTrue(SuiteOptions.BENCHMARKS.contains(name), name);
        }
    }

    /** A jar whose manifest names {@code premainClass} as its Premain-Class, or has none for {@code null}. */
    private Path agentJar(String name, String premainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (premainClass != null) {
            manifest.getMainAttributes().putValue("Premain-Class", premainClass);
        }
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("peer/Main.class"));
            out.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
            out.closeEntry();
        }
        return jar;
    }
}
