package dev.closewait.maven;

import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What {@code check} needs to know of a module's Surefire and Failsafe executions: whether any of
 * them runs tests at all (else the check is skipped, saying why), and whether tests ran in this
 * build (then a missing report means the agent was not in their JVMs).
 */
final class TestExecutions {

    /** A test plugin, the goal that runs tests, its skip parameters and the properties they read. */
    private enum Runner {
        SUREFIRE("maven-surefire-plugin", "test", "surefire-reports",
                new String[] {"skipTests", "skipTests", "skip", "maven.test.skip", "skipExec", "maven.test.skip.exec"}),
        FAILSAFE("maven-failsafe-plugin", "integration-test", "failsafe-reports",
                new String[] {"skipTests", "skipTests", "skipITs", "skipITs", "skip", "maven.test.skip",
                    "skipExec", "maven.test.skip.exec"});

        final String artifactId;
        final String goal;
        final String reports;
        /** Pairs: a parameter, then the property it reads by default. */
        final String[] skipParameters;

        Runner(String artifactId, String goal, String reports, String[] skipParameters) {
            this.artifactId = artifactId;
            this.goal = goal;
            this.reports = reports;
            this.skipParameters = skipParameters;
        }

        static Runner of(Plugin plugin) {
            for (Runner runner : values()) {
                if ("org.apache.maven.plugins".equals(plugin.getGroupId()) && runner.artifactId.equals(plugin.getArtifactId())) {
                    return runner;
                }
            }
            return null;
        }
    }

    private TestExecutions() {
    }

    /**
     * Why no test runs in {@code project} (each execution's reason, or that there is none), or
     * {@code null} when some Surefire or Failsafe execution runs tests.
     */
    static String whyNoneRuns(MavenProject project, Properties userProperties) {
        List<String> reasons = new ArrayList<>();
        for (Plugin plugin : project.getBuildPlugins()) {
            Runner runner = Runner.of(plugin);
            if (runner == null) {
                continue;
            }
            for (PluginExecution execution : plugin.getExecutions()) {
                if (!execution.getGoals().contains(runner.goal) || "none".equals(execution.getPhase())) {
                    continue;
                }
                String reason = skipReason(runner, plugin, execution, project, userProperties);
                if (reason == null) {
                    return null;
                }
                if (!reasons.contains(reason)) {
                    reasons.add(reason);
                }
            }
        }
        return reasons.isEmpty() ? "no Surefire or Failsafe execution runs tests in this module"
                : "the tests were skipped (" + String.join("; ", reasons) + ")";
    }

    private static String skipReason(Runner runner, Plugin plugin, PluginExecution execution, MavenProject project,
                                     Properties userProperties) {
        for (int i = 0; i < runner.skipParameters.length; i += 2) {
            String parameter = runner.skipParameters[i];
            String property = runner.skipParameters[i + 1];
            String configured = value((Xpp3Dom) execution.getConfiguration(), parameter);
            if (configured == null) {
                configured = value((Xpp3Dom) plugin.getConfiguration(), parameter);
            }
            if (configured != null) {
                if (Boolean.parseBoolean(configured.trim())) {
                    return runner.artifactId + "'s <" + parameter + "> configuration";
                }
                continue;
            }
            String fromProperty = userProperties.getProperty(property, project.getProperties().getProperty(property));
            if (fromProperty != null && Boolean.parseBoolean(fromProperty.trim())) {
                return property;
            }
        }
        return null;
    }

    private static String value(Xpp3Dom configuration, String parameter) {
        Xpp3Dom child = configuration == null ? null : configuration.getChild(parameter);
        return child == null ? null : child.getValue();
    }

    /** Where prepare-agent leaves {@link #results} of before the tests, for check (same build, same project). */
    static final String RESULTS_BEFORE = "closewait.resultsBefore";

    /** Every test result file (TEST-*.xml) in Surefire's and Failsafe's report directories, with its modification time. */
    static Map<String, Long> results(MavenProject project) {
        Map<String, Long> results = new HashMap<>();
        for (File file : resultFiles(project)) {
            results.put(file.getPath(), file.lastModified());
        }
        return results;
    }

    /** The result files that are not in {@code before} as they were then: written by this build's tests. */
    static List<File> resultsChangedSince(MavenProject project, Map<?, ?> before) {
        List<File> results = new ArrayList<>();
        for (File file : resultFiles(project)) {
            if (!Long.valueOf(file.lastModified()).equals(before.get(file.getPath()))) {
                results.add(file);
            }
        }
        return results;
    }

    /**
     * The test result files (TEST-*.xml) that Surefire and Failsafe wrote since {@code sinceMillis}
     * in their report directories: proof that tests ran in this build.
     */
    static List<File> resultsSince(MavenProject project, long sinceMillis) {
        List<File> results = new ArrayList<>();
        for (File file : resultFiles(project)) {
            // A file system may keep modification times in whole seconds, or two.
            if (file.lastModified() >= sinceMillis - 2000) {
                results.add(file);
            }
        }
        return results;
    }

    private static List<File> resultFiles(MavenProject project) {
        List<File> results = new ArrayList<>();
        for (Runner runner : Runner.values()) {
            File directory = new File(project.getBuild().getDirectory(), runner.reports);
            for (Plugin plugin : project.getBuildPlugins()) {
                String configured = Runner.of(plugin) == runner
                        ? value((Xpp3Dom) plugin.getConfiguration(), "reportsDirectory") : null;
                if (configured != null) {
                    File file = new File(configured);
                    directory = file.isAbsolute() ? file : new File(project.getBasedir(), configured);
                }
            }
            File[] files = directory.listFiles((dir, name) -> name.startsWith("TEST-") && name.endsWith(".xml"));
            if (files == null) {
                continue;
            }
            results.addAll(java.util.Arrays.asList(files));
        }
        return results;
    }
}
