package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;

import java.io.IOException;
import java.util.function.Consumer;

/** The HTML page of option {@code html}: rewritten at the moments the JSON report is (findings change, a picture is due, exit). */
final class HtmlPageOutput implements Output {

    private final HtmlPageFile page;
    private final Consumer<String> warn;
    private String lastProblem;

    HtmlPageOutput(HtmlPageFile page, Consumer<String> warn) {
        this.page = page;
        this.warn = warn;
    }

    /** Writes the page of {@code report} now, so that a path that cannot be written fails at start-up. */
    void proveWritable(LeakReport report) throws IOException {
        page.write(report);
    }

    @Override
    public void changed(ScanOutcome outcome, LeakReport report) {
        write(report);
    }

    @Override
    public void finished(ScanOutcome lastScan, LeakReport report) {
        write(report);
    }

    private void write(LeakReport report) {
        try {
            page.write(report);
            lastProblem = null;
        } catch (IOException | RuntimeException unwritable) {
            String problem = "cannot write the HTML page " + page.path() + ": " + unwritable.getMessage();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                warn.accept(problem + "; will retry when findings change");
            }
        }
    }

    @Override
    public String toString() {
        return page.path().toString();
    }
}
