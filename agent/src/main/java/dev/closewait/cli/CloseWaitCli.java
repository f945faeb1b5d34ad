package dev.closewait.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code java -jar closewait-agent.jar COMMAND}: attach the agent to a running JVM, read its live
 * report, list the JVMs here. Exit statuses are a contract (DESIGN.md): 0 done, 2 bad input, a
 * refusal, or no such JVM or agent.
 */
@Command(name = "closewait", mixinStandardHelpOptions = true, versionProvider = CloseWaitCli.Version.class,
        description = "Finds the code that leaves TCP connections in CLOSE_WAIT.%n"
                + "At start-up: java -javaagent:closewait-agent.jar[=options] -jar app.jar",
        subcommands = {AttachCommand.class, ReportCommand.class, CheckCommand.class, HtmlCommand.class, ListCommand.class},
        footer = {"", "Exit status: 0 done; 1 check found leaks; 2 bad input, attach refused, no such JVM or agent,"
                + " or an unreadable report."})
public final class CloseWaitCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; returns the exit status. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new CloseWaitCli());
        CommandLine.Model.UsageMessageSpec attachUsage = line.getSubcommands().get("attach").getCommandSpec().usageMessage();
        attachUsage.footer(String.format(java.util.Locale.ROOT, String.join("%n", attachUsage.footer()),
                (Object[]) AttachCommand.footerArguments()));
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((problem, commandLine, parseResult) -> {
            if (problem instanceof CliProblem) {
                commandLine.getErr().println("closewait: " + dev.closewait.agent.report.TextReport.printable(problem.getMessage()));
                return ((CliProblem) problem).exitCode();
            }
            commandLine.getErr().println("closewait: " + dev.closewait.agent.report.TextReport.printable(String.valueOf(problem)));
            return CliProblem.EXIT_REFUSED;
        });
        return line.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code 4242} -> 4242; anything else is bad input. */
    static long parsePid(String text) throws CliProblem {
        try {
            long pid = Long.parseLong(text.trim());
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new CliProblem("'" + text + "' is not a process id: give the number that 'jps' or 'ps' shows"
                + " (java -jar closewait-agent.jar list shows the JVMs here)");
    }

    /** Whether this Java runtime has the attach API (a JDK has it; a trimmed runtime may not). */
    static void requireAttachModule() throws CliProblem {
        if (!ModuleLayer.boot().findModule("jdk.attach").isPresent()) {
            throw new CliProblem("this Java runtime (" + System.getProperty("java.home") + ") has no jdk.attach"
                    + " module, so it cannot attach to other JVMs: run this command with the 'java' of a full JDK");
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"closewait " + dev.closewait.agent.identity.AgentIdentity.version()};
        }
    }
}
