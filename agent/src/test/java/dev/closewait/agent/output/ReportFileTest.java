package dev.closewait.agent.output;

import dev.closewait.agent.testing.TestFindings;
import dev.closewait.agent.report.JsonReport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closewait.agent.detect.LeakReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.closewait.agent.testing.TestFindings.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportFileTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void writesTheJsonReportToThePath(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("leaks.json");
        ReportFile file = new ReportFile(target, new JsonReport("0.1.0"));

        file.write(report(TestFindings.open()));

        JsonNode json = MAPPER.readTree(target.toFile());
        assertEquals("closewait", json.get("tool").asText());
        assertEquals(17, json.at("/leaks/0/id").asLong());
        assertEquals(target.toAbsolutePath(), file.path());
    }

    @Test
    void replacesAnExistingFileCompletely(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("leaks.json");
        // Longer than the new report: a file rewritten in place would keep a tail of it.
        Files.write(target, ("{\"old\": \"" + "x".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8));
        ReportFile file = new ReportFile(target, new JsonReport("0.1.0"));

        file.write(report(TestFindings.open(), TestFindings.orphaned()));
        file.write(report(TestFindings.open()));

        JsonNode json = MAPPER.readTree(target.toFile());
        assertEquals(1, json.get("leaks").size());
        assertEquals(1, json.at("/summary/leaks").asInt());
        assertTrue(Files.size(target) < 20_000);
    }

    @Test
    void leavesNoTemporaryFilesBehind(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("leaks.json");
        ReportFile file = new ReportFile(target, new JsonReport("0.1.0"));

        for (int i = 0; i < 3; i++) {
            file.write(report(TestFindings.open()));
        }

        assertEquals(List.of("leaks.json"), names(dir));
    }

    @Test
    void resolvesARelativePathAgainstTheWorkingDirectory() {
        ReportFile file = new ReportFile(Path.of("leaks.json"), new JsonReport("0.1.0"));

        assertTrue(file.path().isAbsolute(), file.path().toString());
        assertEquals(Path.of("leaks.json").toAbsolutePath(), file.path());
    }

    @Test
    void failsNamingTheMissingDirectory(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir");
        ReportFile file = new ReportFile(missing.resolve("leaks.json"), new JsonReport("0.1.0"));

        IOException e = assertThrows(IOException.class, () -> file.write(report(TestFindings.open())));

        assertEquals("NoSuchFileException", e.getMessage(), "the reason in a few words; callers name the path");
        assertTrue(Files.notExists(missing));
    }

    @Test
    void failsNamingTheParentThatIsARegularFile(@TempDir Path dir) throws IOException {
        Path notADirectory = Files.write(dir.resolve("plain-file"), new byte[] {1});
        ReportFile file = new ReportFile(notADirectory.resolve("leaks.json"), new JsonReport("0.1.0"));

        IOException e = assertThrows(IOException.class, () -> file.write(report(TestFindings.open())));

        assertEquals("Not a directory", e.getMessage());
        assertEquals(List.of("plain-file"), names(dir));
    }

    @Test
    void failsWhenThePathIsADirectoryAndCleansUpItsTemporaryFile(@TempDir Path dir) throws IOException {
        Path target = Files.createDirectory(dir.resolve("leaks.json"));
        Files.write(target.resolve("keep"), new byte[] {1});
        ReportFile file = new ReportFile(target, new JsonReport("0.1.0"));

        IOException e = assertThrows(IOException.class, () -> file.write(report(TestFindings.open())));

        assertEquals("Is a directory", e.getMessage());
        assertEquals(List.of("leaks.json"), names(dir), "the temporary file is gone");
        assertTrue(Files.isDirectory(target));
    }

    @Test
    void aReportLargerThanItsReadersTakeIsWrittenWholeAndSaidOnce(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("leaks.json");
        List<String> warnings = new java.util.ArrayList<>();
        FileOutput output = new FileOutput(new ReportFile(target, new JsonReport("0.1.0")), "the report file", warnings::add);
        // 200 findings of 100 frames of the longest string the agent keeps: more than 64 MB.
        List<String> stack = java.util.Collections.nCopies(100, "c".repeat(dev.closewait.agent.track.LongText.MAX_CHARS));
        List<dev.closewait.agent.detect.Finding> many = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.add(TestFindings.open().toBuilder().stack(stack).build());
        }
        output.finished(null, report(many.toArray(new dev.closewait.agent.detect.Finding[0])));
        output.finished(null, report(many.toArray(new dev.closewait.agent.detect.Finding[0])));

        assertTrue(Files.size(target) > dev.closewait.agent.report.ReportReader.MAX_BYTES, "written whole");
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).startsWith("the report file " + target.toAbsolutePath() + " is "), warnings.get(0));
        assertTrue(warnings.get(0).endsWith("more than check and html read (67108864): lower maxFindings (200 findings listed)"),
                warnings.get(0));
    }

    private static LeakReport report(dev.closewait.agent.detect.Finding... findings) {
        return new LeakReport(4242, at("2026-11-21T10:15:30Z"), 12, 9, 10_000, List.of(findings));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void theReportIsItsOwnersOnly(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("leaks.json");
        new ReportFile(path, new JsonReport("0.1.0")).write(new LeakReport(1, 0, 0, 0, 1000, java.util.List.of()));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(path)));
    }

    @Test
    void aLinkPlantedAtTheReportsPathIsReplacedNeverWrittenThrough(@TempDir Path dir) throws IOException {
        Path precious = Files.writeString(dir.resolve("precious"), "keep");
        Path path = dir.resolve("leaks.json");
        Files.createSymbolicLink(path, precious);
        new ReportFile(path, new JsonReport("0.1.0")).write(new LeakReport(1, 0, 0, 0, 1000, java.util.List.of()));
        assertEquals("keep", Files.readString(precious));
        assertFalse(Files.isSymbolicLink(path));
        assertTrue(Files.readString(path).contains("\"tool\": \"closewait\""));
    }

    @Test
    void filesPlantedAtOldTemporaryNamesNeitherTakeTheWriteNorStopIt(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("leaks.json");
        Path precious = Files.writeString(dir.resolve("precious"), "keep");
        Files.createSymbolicLink(dir.resolve(".leaks.json." + ProcessHandle.current().pid() + ".tmp"), precious);
        Files.createDirectory(dir.resolve(".leaks.json.tmp"));
        new ReportFile(path, new JsonReport("0.1.0")).write(new LeakReport(1, 0, 0, 0, 1000, java.util.List.of()));
        assertEquals("keep", Files.readString(precious));
        assertTrue(Files.isRegularFile(path));
    }
}
