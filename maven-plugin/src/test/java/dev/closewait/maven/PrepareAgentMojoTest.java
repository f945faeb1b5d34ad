package dev.closewait.maven;

import org.apache.maven.artifact.Artifact;
import org.apache.maven.artifact.DefaultArtifact;
import org.apache.maven.artifact.handler.DefaultArtifactHandler;
import org.apache.maven.plugin.MojoExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prepare-agent on a project without a Maven around it: what it sets argLine to, and when it refuses. */
class PrepareAgentMojoTest {

    @TempDir
    Path basedir;

    private Path jar;
    private PrepareAgentMojo mojo;
    private MavenFixtures.RecordingLog log;

    @BeforeEach
    void mojo() throws Exception {
        jar = Files.createDirectories(basedir.resolve("repo")).resolve("closewait-agent-0.1.0.jar");
        Files.write(jar, new byte[0]);
        DefaultArtifact agent = new DefaultArtifact("dev.closewait", "closewait-agent", "0.1.0", "compile", "jar", null,
                new DefaultArtifactHandler("jar"));
        agent.setFile(jar.toFile());
        mojo = new PrepareAgentMojo();
        mojo.project = MavenFixtures.project(basedir);
        mojo.session = MavenFixtures.session();
        mojo.pluginArtifactMap = Map.<String, Artifact>of(PrepareAgentMojo.AGENT_ARTIFACT, agent);
        mojo.propertyName = "argLine";
        mojo.reportDirectory = basedir.resolve("target/closewait").toFile();
        log = new MavenFixtures.RecordingLog();
        mojo.setLog(log);
    }

    private String argLine() {
        return mojo.project.getProperties().getProperty("argLine");
    }

    private String closewaitDir() {
        return basedir.resolve("target/closewait").toString();
    }

    @Test
    void setsArgLineToTheAgentWithAReportPerJvmAndItsLogBesideIt() throws Exception {
        mojo.execute();
        assertEquals("-javaagent:" + jar + "=report=" + closewaitDir() + "/leaks-{pid}.json,log=" + closewaitDir()
                + "/closewait-{pid}.log", argLine());
        assertTrue(Files.isDirectory(basedir.resolve("target/closewait")), "the agent needs the report's directory");
        assertTrue(log.text().contains("[INFO] closewait: argLine set to -javaagent:" + jar), log.text());
    }

    @Test
    void theReportDirectoryItMakesIsItsOwnersAloneAndOneThatIsThereIsLeftAsItIs() throws Exception {
        mojo.execute();
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(basedir.resolve("target/closewait"))));

        Path shared = Files.createDirectories(basedir.resolve("target/shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        mojo.reportDirectory = shared.toFile();
        mojo.execute();
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shared)), "the user's own directory");
    }

    @Test
    void appendsToWhatTheProperyHeldSoJacocosAgentRunsToo() throws Exception {
        mojo.project.getProperties().setProperty("argLine", "-javaagent:/m2/org.jacoco.agent-runtime.jar=destfile=x");
        mojo.execute();
        assertTrue(argLine().startsWith("-javaagent:/m2/org.jacoco.agent-runtime.jar=destfile=x -javaagent:" + jar + "="),
                argLine());
    }

    @Test
    void aSecondExecutionReplacesTheArgumentOfTheFirst() throws Exception {
        mojo.project.getProperties().setProperty("argLine", "-Xmx512m");
        mojo.execute();
        mojo.grace = "30s";
        mojo.execute();
        assertEquals("-Xmx512m -javaagent:" + jar + "=report=" + closewaitDir() + "/leaks-{pid}.json,grace=30s,log="
                + closewaitDir() + "/closewait-{pid}.log", argLine());
    }

    @Test
    void theAgentOptionsGivenAsParametersGoOnTheArgumentPathsMadeAbsolute() throws Exception {
        mojo.interval = "1s";
        mojo.grace = "2s";
        mojo.log = "stderr";
        mojo.failOnLeak = true;
        mojo.ignore = Files.writeString(basedir.resolve("closewait-ignore.txt"), "frame:com.acme.Legacy.\n").toFile();
        mojo.execute();
        assertEquals("-javaagent:" + jar + "=report=" + closewaitDir() + "/leaks-{pid}.json,interval=1s,grace=2s,"
                + "log=stderr,failOnLeak,ignore=" + basedir.resolve("closewait-ignore.txt"), argLine());
    }

    @Test
    void theHtmlPageOfEachJvmIsAnAgentOptionMadeAbsolute() throws Exception {
        mojo.html = "target/closewait/leaks-{pid}.html";
        mojo.execute();
        assertEquals("-javaagent:" + jar + "=report=" + closewaitDir() + "/leaks-{pid}.json,html=" + closewaitDir()
                + "/leaks-{pid}.html,log=" + closewaitDir() + "/closewait-{pid}.log", argLine());
    }

    @Test
    void aBadOptionFailsTheBuildNamingItAndTheValidOnes() {
        mojo.interval = "5";
        MojoExecutionException bad = assertThrows(MojoExecutionException.class, mojo::execute);
        assertTrue(bad.getMessage().startsWith("closewait: the plugin's agent parameters are not valid: option"
                + " 'interval' has a malformed duration '5'"), bad.getMessage());
        assertTrue(bad.getMessage().contains("Valid options: interval=<duration>"), bad.getMessage());
        assertEquals(null, argLine(), "nothing is set");
    }

    @Test
    void anIgnoreFileThatIsNotThereFailsTheBuildOnceWithTheWayToNameItInABuildOfSeveralModules() {
        File missing = new File(basedir.toFile(), "core/closewait-ignore.txt");
        mojo.ignore = missing;

        MojoExecutionException refused = assertThrows(MojoExecutionException.class, mojo::execute);

        assertTrue(refused.getMessage().startsWith("closewait: the directory of " + missing + " (option 'ignore') does"
                + " not exist. A relative ignore path is resolved against each module's directory"), refused.getMessage());
        assertTrue(refused.getMessage().contains("${maven.multiModuleProjectDirectory}/closewait-ignore.txt"),
                refused.getMessage());
        assertEquals(null, argLine(), "nothing is set");
    }

    @Test
    void anIgnoreFileWithABadRuleFailsTheBuildNamingTheLine() throws Exception {
        mojo.ignore = Files.writeString(basedir.resolve("closewait-ignore.txt"), "com.acme.Legacy\n").toFile();

        MojoExecutionException refused = assertThrows(MojoExecutionException.class, mojo::execute);

        assertTrue(refused.getMessage().startsWith("closewait: bad ignore file (option 'ignore'): ")
                && refused.getMessage().contains("line 1"), refused.getMessage());
    }

    @Test
    void anotherPropertyCanBeNamed() throws Exception {
        mojo.propertyName = "failsafeArgLine";
        mojo.execute();
        assertTrue(mojo.project.getProperties().getProperty("failsafeArgLine").startsWith("-javaagent:" + jar));
        assertEquals(null, argLine());
    }

    @Test
    void reportsAndLogsOfAnEarlierBuildAreRemovedAndNothingElse() throws Exception {
        Path directory = Files.createDirectories(basedir.resolve("target/closewait"));
        Files.writeString(directory.resolve("leaks-123.json"), "{}");
        Files.writeString(directory.resolve("closewait-123.log"), "old");
        Files.writeString(directory.resolve("leaks-123.html"), "old");
        Files.writeString(directory.resolve("notes.txt"), "not ours");
        mojo.execute();
        assertFalse(Files.exists(directory.resolve("leaks-123.json")));
        assertFalse(Files.exists(directory.resolve("closewait-123.log")));
        assertFalse(Files.exists(directory.resolve("leaks-123.html")));
        assertTrue(Files.exists(directory.resolve("notes.txt")));
    }

    @Test
    void skipLeavesTheTestsWithoutTheAgentButArgLineDefinedForAnAtArgLine() throws Exception {
        mojo.skip = true;
        mojo.execute();
        assertEquals("", argLine(), "Surefire fails on an @{argLine} it cannot replace");
        assertTrue(log.text().contains("[INFO] closewait: skipped (closewait.skip): the tests run without the agent"));
        mojo.project.getProperties().setProperty("argLine", "-Xmx1g");
        mojo.execute();
        assertEquals("-Xmx1g", argLine());
    }

    @Test
    void anArgLineOnTheCommandLineIsSaidToWinOverTheAgent() throws Exception {
        Properties user = new Properties();
        user.setProperty("argLine", "-Xmx1g");
        mojo.session = MavenFixtures.session(new java.util.Date(), user);
        mojo.execute();
        assertTrue(log.text().contains("[WARNING] closewait: -DargLine is given on the command line"), log.text());
    }

    @Test
    void anArgLineOnTheCommandLineIsSaidToWinEvenWhenThePomSetsOneButNotWhenItBringsTheAgentBack() throws Exception {
        mojo.project.getProperties().setProperty("argLine", "-Xmx256m"); // the POM's, or JaCoCo's prepare-agent
        Properties user = new Properties();
        user.setProperty("argLine", "-Dpreexisting=yes");
        mojo.session = MavenFixtures.session(new java.util.Date(), user);
        mojo.execute();
        assertTrue(log.text().contains("[WARNING] closewait: -DargLine is given on the command line"), log.text());

        log = new MavenFixtures.RecordingLog();
        mojo.setLog(log);
        Properties bringsItBack = new Properties();
        bringsItBack.setProperty("argLine", "@{argLine} -Dpreexisting=yes");
        mojo.session = MavenFixtures.session(new java.util.Date(), bringsItBack);
        mojo.execute();
        assertFalse(log.text().contains("[WARNING]"), "@{argLine} brings the agent back: " + log.text());
    }

    @Test
    void anArgumentWithASpaceIsQuotedForSurefire() throws Exception {
        mojo.reportDirectory = basedir.resolve("target/close wait").toFile();
        mojo.execute();
        assertTrue(argLine().startsWith("\"-javaagent:" + jar + "=report=" + basedir.resolve("target/close wait")), argLine());
        assertTrue(argLine().endsWith(".log\""), argLine());
    }

    @Test
    void withoutTheAgentAmongThePluginsDependenciesTheGoalSaysSo() {
        mojo.pluginArtifactMap = Map.of();
        MojoExecutionException missing = assertThrows(MojoExecutionException.class, mojo::execute);
        assertTrue(missing.getMessage().contains("dev.closewait:closewait-agent is not among this plugin's dependencies"));
    }
}
