package dev.closewait.cli;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.Option;
import dev.closewait.agent.OptionFiles;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code attach PID [options]}: loads closewait into a running JVM, or applies new options to it. */
@Command(name = AttachCommand.NAME, mixinStandardHelpOptions = true,
        description = {"Loads closewait into a running JVM, with the same options as -javaagent. Sockets already"
                + " open are watched too (origin BEFORE_ATTACH, no stack). If the JVM already runs closewait,"
                + " nothing is instrumented twice: the new options are applied."},
        footer = {"", "Agent options: %s. Relative paths are resolved against this directory.",
            "", "JDK %s+ targets print a warning about a dynamically loaded agent (JEP 451); %s.",
            "", "Exit status: 0 loaded or reconfigured; 2 bad input or attach refused (the message says why)."})
final class AttachCommand implements Callable<Integer> {

    /** The command's name on the command line. */
    static final String NAME = "attach";

    @Spec
    private CommandSpec spec;

    /** The footer's facts, from their one source: every option, and what JEP 451 asks of users. */
    static String[] footerArguments() {
        java.util.List<String> options = new java.util.ArrayList<>();
        for (Option option : Option.values()) {
            options.add(option.key() + "=" + option.form() + " (default " + option.defaultText() + ")");
        }
        return new String[] {String.join(", ", options), String.valueOf(AgentIdentity.FIRST_JDK_WARNING_ON_ATTACH),
            AgentIdentity.AVOID_ATTACH_WARNING};
    }

    @Parameters(index = "0", paramLabel = "PID", description = "the process id of the JVM")
    private String pid;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OPTIONS",
            description = "agent options, e.g. interval=2s,grace=30s,report=leaks.json")
    private String options;

    @Override
    public Integer call() throws CliProblem {
        long target = CloseWaitCli.parsePid(pid);
        CloseWaitCli.requireAttachModule();
        AgentOptions parsed;
        try {
            parsed = AgentOptions.parse(options);
        } catch (IllegalArgumentException bad) {
            throw new CliProblem("invalid agent options: " + bad.getMessage());
        }
        // Paths are resolved here: the target's working directory is not the user's.
        String argument = parsed.toArgument(Paths.get("").toAbsolutePath());
        try (TargetJvm jvm = TargetJvm.attach(target)) {
            Properties properties = jvm.systemProperties();
            String running = properties.getProperty(AgentIdentity.RUNNING_PROPERTY);
            String before = properties.getProperty(AgentIdentity.ATTACH_RESULT_PROPERTY);
            Path jar = ownJar();
            String unusable = OptionFiles.problem(AgentOptions.parse(argument), target);
            if (unusable != null) {
                throw new CliProblem(unusable + "; nothing was loaded into JVM " + target + " and nothing changed there");
            }
            // A running agent takes the options given and keeps the others: nothing is instrumented twice.
            jvm.loadAgent(jar, argument);
            String result = jvm.systemProperties().getProperty(AgentIdentity.ATTACH_RESULT_PROPERTY);
            if (result == null || result.equals(before)) {
                throw new CliProblem("the agent did not answer in JVM " + target + " (its standard error may say why)");
            }
            String[] parts = result.split(" ", 3);
            String message = parts.length == 3 ? parts[2] : result;
            if (!AgentIdentity.ATTACH_APPLIED.equals(parts.length > 1 ? parts[1] : null)) {
                throw new CliProblem((running == null ? "attach to JVM " + target + " refused: "
                        : "closewait " + running + " runs in JVM " + target + " and refused the new options: ") + message);
            }
            if (running != null) {
                spec.commandLine().getOut().println(TextReport.printable("closewait " + running + " already runs in JVM "
                        + target + ": nothing instrumented twice; " + message));
                return 0;
            }
            // The options, the target's answer and its properties may hold anything a path can: one printable line.
            spec.commandLine().getOut().println(TextReport.printable("closewait " + AgentIdentity.version()
                    + " attached to JVM " + target + " (" + properties.getProperty("java.vm.name", "JVM") + " "
                    + properties.getProperty("java.version", "") + ")" + (argument.isEmpty() ? "" : " with " + argument)
                    + ": " + message + ". Its findings go to its log; the live report: java -jar " + jar.getFileName()
                    + " report " + target));
            String note = AgentIdentity.attachWarningNote(featureVersion(properties));
            if (note != null) {
                spec.commandLine().getOut().println("Note: " + note);
            }
            return 0;
        }
    }

    private static int featureVersion(Properties properties) {
        String spec = properties.getProperty("java.specification.version", "0");
        try {
            return Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec);
        } catch (NumberFormatException unknown) {
            return 0;
        }
    }

    /** The jar this command runs from: the agent to load. */
    static Path ownJar() throws CliProblem {
        Path jar = AgentIdentity.ownJar();
        if (jar == null) {
            throw new CliProblem("this command must run from the agent jar (java -jar closewait-agent.jar)");
        }
        return jar;
    }
}
