package dev.closewait.maven;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.Option;
import dev.closewait.agent.output.HtmlPageFile;
import dev.closewait.agent.report.AppFrames;
import dev.closewait.agent.report.ReportReader;
import dev.closewait.cli.CheckCommand;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Fails the build when the tests leaked connections: reads every report the test JVMs wrote to
 * {@code reportDirectory} (one per Surefire or Failsafe fork) with the same gate as
 * {@code java -jar closewait-agent.jar check}, and lists each leak on one line (remote endpoint,
 * status, first application frame) under the path of its report. Skipped, with a line saying why,
 * when the tests were skipped or closewait.skip is set. When tests ran in this build but no report
 * is there, the agent was not in their JVMs: that fails the build too, saying how to fix it. Next to
 * each report it writes that report's HTML page ({@code leaks-<pid>.html}, what
 * {@code java -jar closewait-agent.jar html} writes), and names it on the report's line.
 */
@Mojo(name = "check", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class CheckMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    /** Where the test JVMs wrote their reports (prepare-agent's reportDirectory). */
    @Parameter(property = "closewait.reportDirectory", defaultValue = "${project.build.directory}/closewait")
    File reportDirectory;

    /**
     * The application's package prefixes, separated by ; (com.acme.;org.shop.): only their frames are highlighted
     * on the HTML pages. The same property as prepare-agent's app.
     */
    @Parameter(property = "closewait.app")
    String app;

    /** Skips both goals. */
    @Parameter(property = "closewait.skip", defaultValue = "false")
    boolean skip;

    /** Skips the check because the tests were skipped: read from Surefire's property. */
    @Parameter(property = "skipTests", defaultValue = "false")
    boolean skipTests;

    /** Skips the check because the tests were not even compiled: read from Surefire's property. */
    @Parameter(property = "maven.test.skip", defaultValue = "false")
    boolean mavenTestSkip;

    @Override
    public void execute() throws MojoFailureException {
        String skipped = whySkipped();
        if (skipped != null) {
            getLog().info("closewait: check skipped: " + skipped);
            return;
        }
        if (noReportFile()) {
            noReport();
            return;
        }
        Path directory = reportDirectory.toPath();
        CheckCommand.Outcome outcome = CheckCommand.check(List.of(directory));
        AppFrames frames = appFrames();
        for (CheckCommand.Verdict verdict : outcome.verdicts()) {
            String line = verdict.headline() + page(verdict.path(), frames);
            if (verdict.failing().isEmpty()) {
                getLog().info(line);
            } else {
                getLog().error(line);
            }
            verdict.leakLines().forEach(getLog()::error);
        }
        for (String problem : outcome.problems()) {
            getLog().error("closewait: " + problem);
        }
        if (outcome.status() == CheckCommand.EXIT_UNREADABLE) {
            throw new MojoFailureException("closewait: cannot vouch for the tests' connections: "
                    + String.join("; ", outcome.problems()));
        }
        if (outcome.status() == CheckCommand.EXIT_LEAKS) {
            int leaks = outcome.failingLeaks();
            long leaky = outcome.verdicts().stream().filter(verdict -> !verdict.failing().isEmpty()).count();
            throw new MojoFailureException("closewait: the tests leaked " + leaks + (leaks == 1 ? " connection" : " connections")
                    + " (" + leaky + " of " + outcome.verdicts().size() + " reports in " + directory + "). Each is listed"
                    + " above with its remote endpoint, status and the first application frame that opened it; its"
                    + " report holds the whole stack.");
        }
        getLog().info(outcome.total());
    }

    /** Writes the page of {@code report} next to it: {@code "; page PATH"} for its line, or why not. */
    private String page(Path report, AppFrames frames) {
        Path page = HtmlPageFile.nextTo(report);
        try {
            HtmlPageFile.write(page, ReportReader.read(report), frames);
            return "; page " + page;
        } catch (IOException | ReportReader.Unreadable unwritable) {
            getLog().warn("closewait: cannot write the HTML page " + page + ": " + unwritable.getMessage());
            return "";
        }
    }

    private AppFrames appFrames() throws MojoFailureException {
        if (app == null || app.trim().isEmpty()) {
            return AppFrames.DEFAULT;
        }
        try {
            return AppFrames.of(AgentOptions.parse(Option.APP.key() + "=\"" + app.trim() + "\"").app());
        } catch (IllegalArgumentException bad) {
            throw new MojoFailureException("closewait: the parameter app is not valid: " + bad.getMessage());
        }
    }

    /** Why there is nothing to check, or {@code null}. */
    private String whySkipped() {
        if (skip) {
            return "closewait.skip";
        }
        if (mavenTestSkip) {
            return "the tests were skipped (maven.test.skip)";
        }
        if (skipTests) {
            return "the tests were skipped (skipTests)";
        }
        Properties userProperties = session == null ? new Properties() : session.getUserProperties();
        return TestExecutions.whyNoneRuns(project, userProperties);
    }

    private boolean noReportFile() {
        File[] reports = reportDirectory.listFiles((dir, name) -> name.endsWith(".json") && new File(dir, name).isFile());
        return reports == null || reports.length == 0;
    }

    /** No report: a failure if tests ran in this build (the agent was not in their JVMs), else nothing to check. */
    private void noReport() throws MojoFailureException {
        // The result files prepare-agent saw before the tests tell exactly; without it, the build's start
        // time does, within the two seconds a file system's times may be off.
        Object before = project.getContextValue(TestExecutions.RESULTS_BEFORE);
        Date start = session == null ? null : session.getRequest().getStartTime();
        List<File> results = before instanceof Map ? TestExecutions.resultsChangedSince(project, (Map<?, ?>) before)
                : TestExecutions.resultsSince(project, start == null ? 0 : start.getTime());
        if (results.isEmpty()) {
            getLog().info("closewait: check skipped: no test ran in this module, so there is no report in "
                    + reportDirectory);
            return;
        }
        String found = results.size() == 1 ? " result file: " + results.get(0)
                : " result files, such as " + results.get(0);
        throw new MojoFailureException("closewait: the tests ran (" + results.size() + found + ") but no test JVM"
                + " wrote a report to " + reportDirectory + ": the agent was not in them. Run the goal prepare-agent"
                + " before the tests (in the same <execution> as check), and keep @{argLine} in any <argLine> of"
                + " Surefire's or Failsafe's configuration: <argLine>@{argLine} -Xmx1g</argLine>. A -DargLine on the"
                + " command line replaces it too.");
    }
}
