package dev.closewait.agent;

import dev.closewait.agent.io.ExistingFile;
import dev.closewait.agent.io.FileProblem;
import dev.closewait.agent.output.Outputs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The files that agent options name, checked where the options are given: {@code attach} refuses
 * options whose files the agent would refuse in the target before it touches the target, where a
 * refused attach would still load the agent's jar and, on JDK 21 and later, make the JVM print its
 * warning about a dynamically loaded agent.
 */
public final class OptionFiles {

    private OptionFiles() {
    }

    /**
     * Why the agent in process {@code pid} would refuse the files of {@code options} (paths already
     * absolute), or {@code null} when it would not: a report, page or log whose directory does not
     * exist or cannot be written, a log that is there but is no plain file of this user's own
     * ({@code ExistingFile}), an ignore file that cannot be read or holds a bad rule.
     */
    public static String problem(AgentOptions options, long pid) {
        String log = options.log();
        boolean logToFile = !Option.LOG_STDERR.equals(log) && !Option.LOG_OFF.equals(log);
        try {
            String problem = writable(Option.REPORT, "the report file", options.report(), pid);
            if (problem == null) {
                problem = writable(Option.HTML, "the HTML page", options.html(), pid);
            }
            if (problem == null && logToFile) {
                problem = writable(Option.LOG, "the log file", log, pid);
            }
            if (problem == null && options.ignore() != null) {
                Settings.ignoreRules(options.ignore());
            }
            return problem;
        } catch (IOException | StartupException refused) {
            return refused.getMessage();
        }
    }

    private static String writable(Option option, String what, String value, long pid) throws IOException {
        if (value == null) {
            return null;
        }
        Path path = Outputs.path(option, value, pid);
        String reason = null;
        if (Files.isDirectory(path)) {
            reason = FileProblem.DIRECTORY;
        } else if (option == Option.LOG && Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            reason = ExistingFile.problem(path);
        } else if (!Files.isWritable(path.getParent())) {
            reason = "its directory is not writable by this user";
        }
        return reason == null ? null : "cannot write " + what + " " + path + " (option '" + option.key() + "'): " + reason;
    }
}
