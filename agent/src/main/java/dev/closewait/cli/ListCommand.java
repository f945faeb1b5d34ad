package dev.closewait.cli;

import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code list}: the JVMs of this user on this machine, by main class or jar (never their arguments),
 * and whether each runs closewait. Names no attach-API type itself (see {@link TargetJvm}): a
 * runtime without jdk.attach must still get its message.
 */
@Command(name = ListCommand.NAME, mixinStandardHelpOptions = true,
        description = "Lists the JVMs this user can attach to on this machine, and whether each runs closewait.",
        footer = {"", "Exit status: 0 listed; 2 this Java runtime cannot attach (no jdk.attach module)."})
final class ListCommand implements Callable<Integer> {

    /** The command's name on the command line. */
    static final String NAME = "list";

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws CliProblem {
        CloseWaitCli.requireAttachModule();
        List<Map.Entry<Long, String>> jvms = TargetJvm.list();
        PrintWriter out = spec.commandLine().getOut();
        out.println(String.format(Locale.ROOT, "%-8s %-12s %s", "PID", "CLOSEWAIT", "MAIN"));
        for (Map.Entry<Long, String> jvm : jvms) {
            String main = mainOf(jvm.getValue());
            // A jar's path and the target's answer may hold escapes and newlines: one printable line.
            out.println(TextReport.printable(String.format(Locale.ROOT, "%-8d %-12s %s", jvm.getKey(),
                    agentOf(jvm.getKey()), main.isEmpty() ? "(unknown)" : main)));
        }
        if (jvms.isEmpty()) {
            out.println("(no other JVM of this user runs here)");
        }
        return 0;
    }

    /**
     * The main class or jar of a JVM's display name, without the program's arguments that follow
     * it: they are often a password or a JDBC URL holding one, and this output ends up in tickets.
     */
    static String mainOf(String displayName) {
        String trimmed = displayName.trim();
        int end = 0;
        while (end < trimmed.length() && !Character.isWhitespace(trimmed.charAt(end))) {
            end++;
        }
        return trimmed.substring(0, end);
    }

    /** The agent version running in {@code pid}, {@code -} for none, {@code ?} if it cannot be asked. */
    private static String agentOf(long pid) {
        try (TargetJvm jvm = TargetJvm.attach(pid)) {
            String version = jvm.agentVersion();
            return version == null ? "-" : version;
        } catch (CliProblem unreachable) {
            return "?";
        }
    }
}
