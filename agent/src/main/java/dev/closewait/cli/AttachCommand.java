package dev.closewait.cli;

import dev.closewait.agent.AgentOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code attach PID [options]}: loads closewait into a running JVM, or applies new options to it. */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Loads closewait into a running JVM, with the same options as -javaagent. Sockets already"
                + " open are watched too (origin BEFORE_ATTACH, no stack). If the JVM already runs closewait,"
                + " nothing is instrumented twice: the new options are applied."},
        footer = {"", "Agent options: interval=<duration> (default 5s), grace=<duration> (default 10s),"
                + " report=<file>, log=stderr|off|<file>. Relative paths are resolved against this directory.",
            "", "JDK 21+ targets print a warning about a dynamically loaded agent (JEP 451). To avoid it, start them"
                + " with -XX:+EnableDynamicAgentLoading, or load closewait at start-up with -javaagent.",
            "", "Exit status: 0 loaded or reconfigured; 2 bad input or attach refused (the message says why)."})
final class AttachCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

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
            String running = jvm.agentVersion();
            if (running != null) {
                Object result = jvm.invokeAgent("configure", new Object[] {argument},
                        new String[] {String.class.getName()}, 5000);
                spec.commandLine().getOut().println("closewait " + running + " already runs in JVM " + target
                        + ": nothing instrumented twice; " + result);
                return 0;
            }
            Properties properties = jvm.systemProperties();
            jvm.loadAgent(ownJar(), argument);
            if (jvm.agentVersion() == null) {
                throw new CliProblem("the agent did not start in JVM " + target + ": its standard error says why");
            }
            spec.commandLine().getOut().println("closewait " + CloseWaitCli.version() + " attached to JVM " + target
                    + " (" + properties.getProperty("java.vm.name", "JVM") + " " + properties.getProperty("java.version", "")
                    + ") with " + argument + ". Its findings go to its log; the live report: java -jar "
                    + ownJar().getFileName() + " report " + target);
            if (featureVersion(properties) >= 21) {
                spec.commandLine().getOut().println("Note: JDK " + featureVersion(properties) + " prints a warning in"
                        + " that JVM about a dynamically loaded agent (JEP 451). It is harmless; to avoid it, start the"
                        + " JVM with -XX:+EnableDynamicAgentLoading, or load closewait at start-up with -javaagent.");
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
        try {
            Path jar = Paths.get(AttachCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) {
                throw new CliProblem("this command must run from the agent jar (java -jar closewait-agent.jar), not " + jar);
            }
            return jar.toAbsolutePath();
        } catch (URISyntaxException | RuntimeException unknown) {
            throw new CliProblem("cannot tell where the agent jar is: " + unknown);
        }
    }
}
