package dev.closewait.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code java -jar closewait-agent.jar COMMAND}: attach the agent to a running JVM, read its live
 * report, list the JVMs here. Exit statuses are a contract (DESIGN.md): 0 done, 2 bad input, a
 * refusal, or no such JVM or agent.
 */
@Command(name = "closewait", mixinStandardHelpOptions = true, versionProvider = CloseWaitCli.Version.class,
        description = "Finds the code that leaves TCP connections in CLOSE_WAIT.%n"
                + "At start-up: java -javaagent:closewait-agent.jar[=options] -jar app.jar",
        footer = {"", "Exit status: 0 done; 1 check found leaks; 2 bad input, attach refused, no such JVM or agent,"
                + " or an unreadable report."})
public final class CloseWaitCli implements Callable<Integer> {

    /** The command that prints another's help: {@code help attach}. */
    static final String HELP = "help";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The commands, in the order the help lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put(AttachCommand.NAME, AttachCommand::new);
        commands.put(ReportCommand.NAME, ReportCommand::new);
        commands.put(CheckCommand.NAME, CheckCommand::new);
        commands.put(HtmlCommand.NAME, HtmlCommand::new);
        commands.put(ListCommand.NAME, ListCommand::new);
        commands.put(HELP, CommandLine.HelpCommand::new);
        return commands;
    }

    /**
     * Runs a command line; returns the exit status. A line naming a command gets that command alone:
     * picocli reads every command's annotations as it is added, about a seventh of the main
     * thread's work in a short {@code check}. Anything else (no command, {@code --help}, a typo)
     * gets them all, to list or suggest.
     */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new CloseWaitCli());
        Supplier<Object> named = args.length == 0 || HELP.equals(args[0]) ? null : COMMANDS.get(args[0]);
        if (named != null) {
            line.addSubcommand(args[0], named.get());
        } else {
            COMMANDS.forEach((name, command) -> line.addSubcommand(name, command.get()));
        }
        CommandLine attach = line.getSubcommands().get(AttachCommand.NAME);
        if (attach != null) {
            CommandLine.Model.UsageMessageSpec attachUsage = attach.getCommandSpec().usageMessage();
            attachUsage.footer(String.format(java.util.Locale.ROOT, String.join("%n", attachUsage.footer()),
                    (Object[]) AttachCommand.footerArguments()));
        }
        line.setOut(out);
        line.setErr(err);
        CommandLine.IParameterExceptionHandler usageError = line.getParameterExceptionHandler();
        line.setParameterExceptionHandler((problem, arguments) -> {
            int status = usageError.handleParseException(problem, arguments);
            if (problem instanceof CommandLine.UnmatchedArgumentException
                    && problem.getCommandLine().getCommandName().equals(AttachCommand.NAME)
                    && ((CommandLine.UnmatchedArgumentException) problem).getUnmatched().stream()
                            .allMatch(extra -> extra.contains("="))) {
                problem.getCommandLine().getErr().println("closewait: agent options are one argument, joined by"
                        + " commas: attach PID interval=2s,grace=30s");
            }
            return status;
        });
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

    /** No command: the usage, on standard error, and the status of bad input (a script's empty {@code $CMD} fails). */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("closewait: name a command");
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliProblem.EXIT_REFUSED;
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
