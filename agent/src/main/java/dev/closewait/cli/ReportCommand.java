package dev.closewait.cli;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.live.LiveReportProperties;
import dev.closewait.agent.report.AppFrames;
import dev.closewait.agent.report.ReportReader;
import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code report PID [--json]}: the live report of a JVM that runs closewait, read with the attach
 * API's request for agent properties, which the agent answers with its JSON report. Nothing is
 * loaded or started in the target (no agent, no JMX connector, no listener, no thread): it is left
 * as it was. The text is rendered here, from the JSON and the options that shape it.
 */
@Command(name = ReportCommand.NAME, mixinStandardHelpOptions = true,
        description = {"Prints the live leak report of a JVM running closewait (loaded with -javaagent or attach)."
                + " It is read through the attach API, as jcmd reads system properties: nothing is loaded, started"
                + " or left listening in that JVM."},
        footer = {"", "Exit status: 0 printed; 2 no such JVM, no closewait agent in it, or attach refused (the message"
                + " says why)."})
final class ReportCommand implements Callable<Integer> {

    /** The command's name on the command line. */
    static final String NAME = "report";

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "the process id of the JVM")
    private String pid;

    @Option(names = "--json", description = "the JSON report (version 1) instead of text")
    private boolean json;

    @Override
    public Integer call() throws CliProblem {
        long target = CloseWaitCli.parsePid(pid);
        CloseWaitCli.requireAttachModule();
        LiveReportProperties.Published published;
        try (TargetJvm jvm = TargetJvm.attach(target)) {
            String running = jvm.agentVersion();
            if (running == null) {
                throw new CliProblem("JVM " + target + " does not run closewait. Load it with: java -jar"
                        + " closewait-agent.jar attach " + target);
            }
            published = LiveReportProperties.read(jvm.agentProperties());
            if (published == null) {
                throw new CliProblem("closewait " + running + " runs in JVM " + target + " but gave no report: it"
                        + " turned itself off (its standard error says why), or it is a build from before this"
                        + " command's (" + AgentIdentity.version() + ") that serves its report over JMX only"
                        + " (JConsole, MBean " + AgentIdentity.MBEAN_NAME + ")");
            }
        }
        spec.commandLine().getOut().print(json ? published.json() : text(target, published));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The text report, as the agent would render it with its {@code grace} and {@code app}. */
    private static String text(long target, LiveReportProperties.Published published) throws CliProblem {
        AgentOptions options;
        try {
            options = AgentOptions.parse(published.textOptions());
        } catch (IllegalArgumentException unknown) {
            options = AgentOptions.defaults(); // a newer agent's option: render with the defaults
        }
        try {
            ReportReader.Read read = ReportReader.read(new ByteArrayInputStream(
                    published.json().getBytes(StandardCharsets.UTF_8)), "the live report of JVM " + target);
            return new TextReport(AppFrames.of(options.app())).full(read.report().withGraceMillis(options.graceMillis()));
        } catch (ReportReader.Unreadable | IOException unreadable) {
            throw new CliProblem(unreadable.getMessage() + " (java -jar closewait-agent.jar report " + target
                    + " --json prints it as it came)");
        }
    }
}
