package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.scenarios.ExitAfterLeak;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.closewait.it.EndToEnd.EXIT;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CI gate as a build meets it: test JVMs that live a second or two with the default options,
 * and several of them writing {@code {pid}} reports into one directory that {@code check} reads.
 */
class CiGateForksEndToEndTest {

    @TempDir
    Path work;

    /**
     * Default interval (5 s) and grace (10 s): the socket sits in CLOSE_WAIT 1.5 s before the JVM
     * ends, far less than grace. The last scan at exit still makes it a finding ({@code atExit}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void leakSecondsBeforeExitFailsTheRunWithDefaultOptions(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path reports = Files.createDirectories(work.resolve("closewait"));
        String options = "failOnLeak,report=" + reports.resolve("leaks-{pid}.json");
        try (ScenarioProcess leaky = ScenarioProcess.start(jdk, Files.createDirectories(work.resolve("leaky")),
                ExitAfterLeak.class, options, "return-soon")) {
            assertEquals(3, leaky.awaitExit(EXIT), leaky::describe);
        }
        Path report = onlyReport(reports);
        JsonNode leaks = Report.read(report).json().path("leaks");
        assertEquals(1, leaks.size(), leaks::toString);
        assertTrue(leaks.get(0).path("atExit").asBoolean(), "found by the last scan at exit: " + leaks);
        assertEquals("OPEN", leaks.get(0).path("status").asText(), leaks::toString);

        Cli.Run check = Cli.run(jdk, "check", report.toString());
        assertEquals(1, check.status(), check.describe());
        assertTrue(check.out().contains("dev.closewait.it.scenarios.ExitAfterLeak.openAndForget("), check.describe());

        Path cleanReports = Files.createDirectories(work.resolve("clean-closewait"));
        try (ScenarioProcess clean = ScenarioProcess.start(jdk, Files.createDirectories(work.resolve("clean")),
                ExitAfterLeak.class, "failOnLeak,report=" + cleanReports.resolve("leaks-{pid}.json"), "clean")) {
            assertEquals(0, clean.awaitExit(EXIT), clean::describe);
        }
        Cli.Run cleanCheck = Cli.run(jdk, "check", onlyReport(cleanReports).toString());
        assertEquals(0, cleanCheck.status(), cleanCheck.describe());
    }

    /**
     * Two JVMs at once, as two Surefire forks: each writes its own {@code leaks-<pid>.json}; {@code check}
     * on the directory fails naming the leaky file only; a directory of clean reports passes; an empty
     * directory is status 2, saying there is no report.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void concurrentJvmsWriteOneReportEachAndCheckReadsTheDirectory(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path reports = Files.createDirectories(work.resolve("closewait"));
        String options = "report=" + reports.resolve("leaks-{pid}.json");
        long leakyPid;
        long cleanPid;
        try (ScenarioProcess leaky = ScenarioProcess.start(jdk, Files.createDirectories(work.resolve("leaky")),
                ExitAfterLeak.class, options, "return-soon");
             ScenarioProcess clean = ScenarioProcess.start(jdk, Files.createDirectories(work.resolve("clean")),
                     ExitAfterLeak.class, options, "clean")) {
            leakyPid = leaky.pid();
            cleanPid = clean.pid();
            assertEquals(0, leaky.awaitExit(EXIT), leaky::describe);
            assertEquals(0, clean.awaitExit(EXIT), clean::describe);
        }
        Path leakyReport = reports.resolve("leaks-" + leakyPid + ".json");
        Path cleanReport = reports.resolve("leaks-" + cleanPid + ".json");
        assertEquals(List.of(cleanReport, leakyReport).stream().sorted().toList(), list(reports));
        assertEquals(1, Report.read(leakyReport).leaks().size());
        assertEquals(0, Report.read(cleanReport).leaks().size());

        Cli.Run check = Cli.run(jdk, "check", reports.toString());
        assertEquals(1, check.status(), check.describe());
        assertTrue(check.out().contains(leakyReport.toString()), "the leaky fork's file is named: " + check.describe());
        assertTrue(check.out().lines().noneMatch(l -> l.contains(cleanReport.toString()) && l.contains("leak in")),
                "the clean fork's file has no leak line: " + check.describe());

        Path cleanOnly = Files.createDirectories(work.resolve("clean-only"));
        Files.move(cleanReport, cleanOnly.resolve(cleanReport.getFileName()));
        Cli.Run passes = Cli.run(jdk, "check", cleanOnly.toString());
        assertEquals(0, passes.status(), passes.describe());

        Path empty = Files.createDirectories(work.resolve("empty"));
        Cli.Run nothing = Cli.run(jdk, "check", empty.toString());
        assertEquals(2, nothing.status(), nothing.describe());
        assertTrue(nothing.err().contains(empty.toString()), nothing.describe());
        assertFalse(nothing.out().contains("no connection leaks"), "no report is no verdict: " + nothing.describe());
    }

    private static Path onlyReport(Path directory) throws IOException {
        List<Path> files = list(directory);
        assertEquals(1, files.size(), "one report per JVM: " + files);
        assertTrue(files.get(0).getFileName().toString().matches("leaks-\\d+\\.json"), files::toString);
        return files.get(0);
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }
}
