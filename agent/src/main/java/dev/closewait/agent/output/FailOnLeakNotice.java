package dev.closewait.agent.output;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.report.TextReport;

import java.io.PrintStream;

/**
 * {@code failOnLeak}'s words at exit: the whole report and the exit status, on standard error
 * whatever {@code log} says, because a CI log must show why the build failed. Where the log is
 * standard error itself, it has printed every finding there already: the status alone, then.
 */
final class FailOnLeakNotice implements Output {

    private final TextReport text;
    private final boolean logOnStandardError;

    FailOnLeakNotice(TextReport text, boolean logOnStandardError) {
        this.text = text;
        this.logOnStandardError = logOnStandardError;
    }

    @Override
    public void finished(ScanOutcome lastScan, LeakReport report) {
        long failing = report.failing();
        if (failing == 0) {
            return; // none, or only connections that pools hold idle: not the application's leaks
        }
        PrintStream err = System.err;
        if (!logOnStandardError) {
            err.print(text.full(report));
        }
        err.println(TextReport.PREFIX + "failOnLeak: this run leaked " + failing
                + (failing == 1 ? " connection" : " connections") + (logOnStandardError ? " (listed above)" : "")
                + "; the JVM exits with status "
                + AgentOptions.FAIL_ON_LEAK_STATUS + " (an application's own non-zero status is kept)");
        err.flush();
    }
}
