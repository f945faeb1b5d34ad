package dev.closewait.maven;

import org.apache.maven.model.Plugin;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** check on report directories and test results made here: when it passes, fails, and skips, and what it says. */
class CheckMojoTest {

    @TempDir
    Path basedir;

    private Path reports;
    private CheckMojo mojo;
    private MavenFixtures.RecordingLog log;

    @BeforeEach
    void mojo() {
        reports = basedir.resolve("target/closewait");
        mojo = new CheckMojo();
        mojo.project = MavenFixtures.project(basedir);
        mojo.session = MavenFixtures.session(new Date(System.currentTimeMillis() - 60_000), new Properties());
        mojo.reportDirectory = reports.toFile();
        log = new MavenFixtures.RecordingLog();
        mojo.setLog(log);
    }

    /** A result file as Surefire writes one per test class. */
    private void testsRan(String directory) throws Exception {
        Path results = Files.createDirectories(basedir.resolve("target").resolve(directory));
        Files.writeString(results.resolve("TEST-com.example.StockTest.xml"), "<testsuite/>");
    }

    @Test
    void cleanReportsPassListingEachFile() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-100.json"), 0);
        MavenFixtures.report(reports.resolve("leaks-200.json"), 0);
        mojo.execute();
        assertTrue(log.lines.contains("[INFO] closewait check: no connection leaks in " + reports.resolve("leaks-100.json")
                + "; page " + reports.resolve("leaks-100.html")), log.text());
        assertTrue(log.lines.contains("[INFO] closewait check: no connection leaks in 2 reports"), log.text());
    }

    @Test
    void aLeakFailsTheBuildWithOneLinePerLeakUnderThePathOfItsReport() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-100.json"), 0);
        Path leaky = MavenFixtures.report(reports.resolve("leaks-200.json"), 2);
        MojoFailureException failure = assertThrows(MojoFailureException.class, mojo::execute);
        assertEquals("closewait: the tests leaked 2 connections (1 of 2 reports in " + reports + "). Each is listed above"
                + " with its remote endpoint, status and the first application frame that opened it; its report holds"
                + " the whole stack.", failure.getMessage());
        int headline = log.lines.indexOf("[ERROR] closewait check: 2 connection leaks in " + leaky + "; page "
                + reports.resolve("leaks-200.html"));
        assertTrue(headline >= 0, log.text());
        String line = log.lines.get(headline + 1);
        assertTrue(line.matches("\\[ERROR]   #1 +OPEN +127\\.0\\.0\\.1:1433 +com\\.example\\.StockTest\\.openAndForget\\(StockTest\\.java:29\\)"),
                line);
        assertTrue(log.lines.get(headline + 2).startsWith("[ERROR]   #2 "), log.text());
    }

    @Test
    void eachReportGetsItsHtmlPageNextToItOwnerOnlyWithTheAppFramesOfTheParameter() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-100.json"), 0);
        MavenFixtures.report(reports.resolve("leaks-200.json"), 1);
        mojo.app = "com.example.";
        assertThrows(MojoFailureException.class, mojo::execute);
        String clean = Files.readString(reports.resolve("leaks-100.html"));
        assertTrue(clean.contains("No leak listed."), clean);
        String leaky = Files.readString(reports.resolve("leaks-200.html"));
        assertTrue(leaky.contains("<li class=\"app\">com.example.StockTest.openAndForget(StockTest.java:29)</li>"), leaky);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(reports.resolve("leaks-200.html"))));
        try (var files = Files.list(reports)) {
            assertEquals(4, files.count(), "the reports and their pages, nothing else");
        }
    }

    @Test
    void aMalformedReportFailsTheBuildSayingWhichAndWhere() throws Exception {
        Files.createDirectories(reports);
        Files.writeString(reports.resolve("leaks-300.json"), "{\"tool\": \"closewait\",");
        MojoFailureException failure = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(failure.getMessage().startsWith("closewait: cannot vouch for the tests' connections: "
                + reports.resolve("leaks-300.json") + " is not valid JSON at line"), failure.getMessage());
    }

    @Test
    void noReportAfterTestsRanFailsTheBuildSayingHowToPutTheAgentThere() throws Exception {
        testsRan("surefire-reports");
        MojoFailureException failure = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(failure.getMessage().startsWith("closewait: the tests ran (1 result file: "), failure.getMessage());
        assertTrue(failure.getMessage().contains("no test JVM wrote a report to " + reports), failure.getMessage());
        assertTrue(failure.getMessage().contains("<argLine>@{argLine} -Xmx1g</argLine>"), failure.getMessage());
    }

    @Test
    void noReportAndNoTestRunInThisBuildIsNothingToCheck() throws Exception {
        testsRan("failsafe-reports");
        Path old = basedir.resolve("target/failsafe-reports/TEST-com.example.StockTest.xml");
        assertTrue(old.toFile().setLastModified(System.currentTimeMillis() - 3_600_000), "a result of an earlier build");
        mojo.execute();
        assertTrue(log.lines.contains("[INFO] closewait: check skipped: no test ran in this module, so there is no"
                + " report in " + reports), log.text());
    }

    @Test
    void resultsOfTheBuildBeforeWrittenAMomentAgoAreNotTakenForThisBuildsWhenPrepareAgentSawThem() throws Exception {
        testsRan("surefire-reports"); // a build that ended a moment ago, within the start time's slack
        mojo.project.setContextValue(TestExecutions.RESULTS_BEFORE, TestExecutions.results(mojo.project));
        mojo.execute();
        assertTrue(log.lines.contains("[INFO] closewait: check skipped: no test ran in this module, so there is no"
                + " report in " + reports), log.text());

        Path rewritten = basedir.resolve("target/surefire-reports/TEST-com.example.StockTest.xml");
        assertTrue(rewritten.toFile().setLastModified(rewritten.toFile().lastModified() + 1000), "this build's test ran");
        MojoFailureException failure = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(failure.getMessage().startsWith("closewait: the tests ran (1 result file: "), failure.getMessage());
    }

    @Test
    void closewaitSkipSkipsSayingSo() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-1.json"), 1);
        mojo.skip = true;
        mojo.execute();
        assertEquals("[INFO] closewait: check skipped: closewait.skip", String.join("\n", log.lines));
    }

    @Test
    void skippedTestsSkipTheCheckSayingWhichProperty() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-1.json"), 1);
        mojo.skipTests = true;
        mojo.execute();
        mojo.skipTests = false;
        mojo.mavenTestSkip = true;
        mojo.execute();
        assertEquals("[INFO] closewait: check skipped: the tests were skipped (skipTests)\n"
                + "[INFO] closewait: check skipped: the tests were skipped (maven.test.skip)", String.join("\n", log.lines));
    }

    @Test
    void testsSkippedInSurefiresConfigurationSkipTheCheck() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-1.json"), 1);
        Plugin surefire = mojo.project.getBuildPlugins().get(0);
        surefire.setConfiguration(MavenFixtures.configuration("skipTests", "true"));
        mojo.execute();
        assertEquals("[INFO] closewait: check skipped: the tests were skipped (maven-surefire-plugin's <skipTests>"
                + " configuration)", String.join("\n", log.lines));
    }

    @Test
    void failsafeStillRunningWhenSurefireIsSkippedKeepsTheCheck() throws Exception {
        MavenFixtures.report(reports.resolve("leaks-1.json"), 1);
        mojo.project.getBuildPlugins().get(0).setConfiguration(MavenFixtures.configuration("skip", "true"));
        mojo.project.getBuild().addPlugin(MavenFixtures.runner("maven-failsafe-plugin", "default", "integration-test"));
        assertThrows(MojoFailureException.class, mojo::execute);
        Properties user = new Properties();
        user.setProperty("skipITs", "true");
        mojo.session = MavenFixtures.session(new Date(), user);
        log.lines.clear();
        mojo.execute();
        assertEquals("[INFO] closewait: check skipped: the tests were skipped (maven-surefire-plugin's <skip>"
                + " configuration; skipITs)", String.join("\n", log.lines));
    }

    @Test
    void aModuleWithoutTestPluginsHasNothingToCheck() throws Exception {
        mojo.project.getBuild().getPlugins().clear();
        mojo.execute();
        assertEquals("[INFO] closewait: check skipped: no Surefire or Failsafe execution runs tests in this module",
                String.join("\n", log.lines));
    }
}
