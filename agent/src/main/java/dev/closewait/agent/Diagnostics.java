package dev.closewait.agent;

import dev.closewait.agent.output.TextLog;
import dev.closewait.agent.report.TextReport;

/**
 * The one channel for the agent's own {@code [closewait]} lines that are not findings: the start-up
 * line, warnings, the fault that turns the agent off. They go where the {@code log} option sends
 * findings (nowhere with {@code log=off}); before the log is open, to standard error.
 */
final class Diagnostics {

    private volatile TextLog log;

    /** From now on, lines go to {@code log}. */
    void use(TextLog log) {
        this.log = log;
    }

    /** A line of information. */
    void note(String line) {
        TextLog current = log;
        if (current == null) {
            System.err.println(TextReport.PREFIX + TextReport.printable(line));
        } else {
            current.note(line);
        }
    }

    /** A problem the user should know of; the agent goes on. */
    void warn(String problem) {
        note("WARNING: " + problem);
    }
}
