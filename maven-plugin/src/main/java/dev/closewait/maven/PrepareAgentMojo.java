package dev.closewait.maven;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.Option;
import dev.closewait.agent.OptionFiles;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Puts the closewait agent into the tests' JVMs: sets {@code argLine} (which Surefire and Failsafe
 * pass to every JVM they fork) to
 * <code>-javaagent:&lt;agent&gt;=report=&lt;reportDirectory&gt;/leaks-&#123;pid&#125;.json,...</code>,
 * appended to what the property held already, so that JaCoCo's agent runs too, whichever of the two
 * goals ran first. The agent jar is the one this plugin depends on. Each test JVM writes its own
 * report, which {@code check} reads; reports of an earlier build are removed first.
 */
@Mojo(name = "prepare-agent", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class PrepareAgentMojo extends AbstractMojo {

    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY_DIRECTORY =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

    /** Each test JVM's text log in the report directory, unless {@code log} says otherwise. */
    static final String DEFAULT_LOG = "closewait-" + Option.PID_PLACEHOLDER + ".log";

    /** The agent among this plugin's dependencies. */
    static final String AGENT_ARTIFACT = "dev.closewait:closewait-agent";

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    /** This plugin's dependencies, by groupId:artifactId: where the agent jar is found. */
    @Parameter(defaultValue = "${plugin.artifactMap}", readonly = true, required = true)
    Map<String, Artifact> pluginArtifactMap;

    /** The property set to the -javaagent option: argLine is the one Surefire and Failsafe read. */
    @Parameter(property = "closewait.propertyName", defaultValue = "argLine")
    String propertyName;

    /** Where each test JVM writes its JSON report, leaks-&lt;pid&gt;.json; check reads them there. */
    @Parameter(property = "closewait.reportDirectory", defaultValue = "${project.build.directory}/closewait")
    File reportDirectory;

    /** Agent option interval: how often the TCP table is scanned (250ms, 2s, 1m). */
    @Parameter(property = "closewait.interval")
    String interval;

    /** Agent option grace: how long a socket may sit in CLOSE_WAIT before it is a leak. The scan at JVM exit reports every socket still in CLOSE_WAIT whatever grace says. */
    @Parameter(property = "closewait.grace")
    String grace;

    /**
     * Agent option html: each test JVM also writes a self-contained HTML page of its report as it runs (a {pid}
     * in its name is the process id: reportDirectory/leaks-{pid}.html). check writes a page next to every
     * report anyway, once the tests have ended.
     */
    @Parameter(property = "closewait.html")
    String html;

    /**
     * Agent option log: where each test JVM writes its findings as text: stderr, off, or a file (a {pid}
     * in its name is the process id). By default closewait-&lt;pid&gt;.log in reportDirectory, so that the
     * build's output holds only what check says.
     */
    @Parameter(property = "closewait.log")
    String log;

    /** Agent option failOnLeak: a test JVM that leaked ends with exit status 3 (Surefire then fails; check lists the leaks more readably). */
    @Parameter(property = "closewait.failOnLeak")
    Boolean failOnLeak;

    /** Agent option ignore: a file of known leaks to leave out, frame:&lt;prefix&gt; and remote:&lt;glob&gt; lines. */
    @Parameter(property = "closewait.ignore")
    File ignore;

    /** Agent option app: the application's package prefixes, separated by ; (com.acme.;org.shop.): only their frames are the application's. */
    @Parameter(property = "closewait.app")
    String app;

    /** Agent option maxFindings: findings listed at most; more are counted per creation stack and remote, not listed. */
    @Parameter(property = "closewait.maxFindings")
    Integer maxFindings;

    /** Said when the ignore file cannot be used: a relative path is each module's own. */
    static final String IGNORE_PATH_HINT = ". A relative ignore path is resolved against each module's directory: in a"
            + " build of several modules name the file from the top, <ignore>${maven.multiModuleProjectDirectory}/"
            + "closewait-ignore.txt</ignore> in the POM or -Dclosewait.ignore=\"$PWD/closewait-ignore.txt\" on the"
            + " command line";

    /** Skips both goals: the tests run without the agent, and nothing is checked. */
    @Parameter(property = "closewait.skip", defaultValue = "false")
    boolean skip;

    @Override
    public void execute() throws MojoExecutionException {
        String current = project.getProperties().getProperty(propertyName);
        if (skip) {
            getLog().info("closewait: skipped (closewait.skip): the tests run without the agent");
            if (current == null) {
                // An @{argLine} in Surefire's configuration must still find the property.
                project.getProperties().setProperty(propertyName, "");
            }
            return;
        }
        String given = session == null ? null : session.getUserProperties().getProperty(propertyName);
        // Surefire takes a -DargLine as its parameter whatever the POM's property holds; only an
        // @{argLine} in it brings this goal's value back.
        if (given != null && !given.contains("@{" + propertyName + "}")) {
            getLog().warn("closewait: -D" + propertyName + " is given on the command line, and it wins over the "
                    + propertyName + " this goal sets, so the tests run without the agent (check will say so). Give"
                    + " those JVM options in the POM instead, or set closewait.propertyName to another property"
                    + " and put @{thatProperty} in Surefire's argLine.");
        }
        Path jar = agentJar();
        Path directory = reportDirectory.toPath();
        String options;
        try {
            options = AgentArgument.options(directory, givenOptions(), project.getBasedir().toPath());
        } catch (IllegalArgumentException bad) {
            throw new MojoExecutionException("closewait: the plugin's agent parameters are not valid: " + bad.getMessage());
        }
        prepare(directory);
        project.setContextValue(TestExecutions.RESULTS_BEFORE, TestExecutions.results(project));
        // What every test JVM would refuse at its start (exit status 2, which Surefire reports as a fork that
        // "terminated without properly saying goodbye"), refused here, once, in words.
        String unusable = OptionFiles.problem(AgentOptions.parse(options), ProcessHandle.current().pid());
        if (unusable != null) {
            throw new MojoExecutionException("closewait: " + unusable + (unusable.contains("(option '"
                    + Option.IGNORE.key() + "')") ? IGNORE_PATH_HINT : ""));
        }
        String value = AgentArgument.appendTo(current, AgentArgument.javaagent(jar, options), jar);
        project.getProperties().setProperty(propertyName, value);
        getLog().info("closewait: " + propertyName + " set to " + value);
    }

    /** The agent options given as parameters, by the agent's own option names. */
    Map<Option, String> givenOptions() {
        Map<Option, String> given = new EnumMap<>(Option.class);
        put(given, Option.INTERVAL, interval);
        put(given, Option.GRACE, grace);
        put(given, Option.HTML, html);
        put(given, Option.LOG, log == null ? new File(reportDirectory, DEFAULT_LOG).getAbsolutePath() : log);
        put(given, Option.FAIL_ON_LEAK, failOnLeak == null ? null : failOnLeak.toString());
        put(given, Option.IGNORE, ignore == null ? null : ignore.getAbsolutePath());
        put(given, Option.APP, app);
        put(given, Option.MAX_FINDINGS, maxFindings == null ? null : maxFindings.toString());
        return given;
    }

    private static void put(Map<Option, String> given, Option option, String value) {
        if (value != null && !value.trim().isEmpty()) {
            given.put(option, value.trim());
        }
    }

    private Path agentJar() throws MojoExecutionException {
        Artifact agent = pluginArtifactMap == null ? null : pluginArtifactMap.get(AGENT_ARTIFACT);
        if (agent == null || agent.getFile() == null) {
            throw new MojoExecutionException("closewait: " + AGENT_ARTIFACT + " is not among this plugin's dependencies"
                    + " (" + (pluginArtifactMap == null ? "none" : pluginArtifactMap.keySet()) + "); was a <dependency>"
                    + " of the plugin excluded?");
        }
        return agent.getFile().toPath();
    }

    /**
     * Creates the report directory (the agent needs it) and removes the reports, pages and logs an
     * earlier build left there. A directory it makes is its owner's alone (0700), whatever the umask:
     * with a group-writable one, another user of the group could replace a report the agent wrote
     * and make {@code check} pass. One that is there already is left as the user made it.
     */
    private void prepare(Path directory) throws MojoExecutionException {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory.toAbsolutePath().getParent());
                boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
                try {
                    if (posix) {
                        Files.createDirectory(directory, OWNER_ONLY_DIRECTORY);
                    } else {
                        Files.createDirectory(directory);
                    }
                } catch (java.nio.file.FileAlreadyExistsException madeMeanwhile) {
                    if (!Files.isDirectory(directory)) {
                        throw madeMeanwhile;
                    }
                }
            }
            int removed = 0;
            try (DirectoryStream<Path> earlier = Files.newDirectoryStream(directory, "{leaks-*.json,leaks-*.html,closewait-*.log}")) {
                for (Path report : earlier) {
                    Files.delete(report);
                    removed++;
                }
            }
            if (removed > 0) {
                getLog().debug("closewait: removed " + removed + " reports and logs of an earlier build from " + directory);
            }
        } catch (IOException cannot) {
            throw new MojoExecutionException("closewait: cannot prepare the report directory " + directory + ": " + cannot,
                    cannot);
        }
    }
}
