package dev.closewait.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code report PID [--json]}: the live report of a JVM that runs closewait. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Prints the live leak report of a JVM running closewait (loaded with -javaagent or attach),"
                + " read through the JVM's local management agent (JMX), which is started if needed."},
        footer = {"", "Exit status: 0 printed; 2 no such JVM, or no closewait agent in it."})
final class ReportCommand implements Callable<Integer> {

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
        try (TargetJvm jvm = TargetJvm.attach(target)) {
            if (jvm.agentVersion() == null) {
                throw new CliProblem("JVM " + target + " does not run closewait. Load it with: java -jar"
                        + " closewait-agent.jar attach " + target);
            }
            Object report = jvm.invokeAgent(json ? "jsonReport" : "textReport", null, null, 5000);
            spec.commandLine().getOut().print(report);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
