package dev.closewait.agent.output;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.report.TextReport;

import java.io.PrintStream;

/**
 * {@code failOnLeak}'s words at exit: the whole report and the exit status, on standard error
 * whatever {@code log} says, because a CI log must show why the build failed.
 */
final class FailOnLeakNotice implements Output {

    @Override
    public void finished(ScanOutcome lastScan, LeakReport report) {
        if (report.leaks().isEmpty()) {
            return;
        }
        PrintStream err = System.err;
        err.print(TextReport.full(report));
        err.println(TextReport.PREFIX + "failOnLeak: this run leaked " + report.leaks().size()
                + (report.leaks().size() == 1 ? " connection" : " connections") + "; the JVM exits with status "
                + AgentOptions.FAIL_ON_LEAK_STATUS + " (an application's own non-zero status is kept)");
        err.flush();
    }
}
