package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A file of option {@code report} or {@code html}: rewritten when findings change, when a picture is
 * due, and once at exit. A write that fails is one warning (until the problem changes or a write
 * succeeds again), never a fault of the agent: the next change retries.
 */
final class FileOutput implements Output {

    private final RewrittenFile file;
    private final String what;
    private final Consumer<String> warn;
    private String lastProblem;

    /** {@code what} names the file in messages: "the report file", "the HTML page". */
    FileOutput(RewrittenFile file, String what, Consumer<String> warn) {
        this.file = file;
        this.what = what;
        this.warn = warn;
    }

    /** Writes {@code report} now, so that a path that cannot be written fails at start-up. */
    void proveWritable(LeakReport report) throws IOException {
        try {
            file.write(report);
        } catch (ReportFile.TooLarge written) {
            lastProblem = "too large";
            warn.accept(describe() + " " + written.getMessage()); // written all the same: not a file that cannot be
        }
    }

    /** "the report file /path", for messages. */
    String describe() {
        return what + " " + file.path();
    }

    @Override
    public void changed(ScanOutcome outcome, LeakReport report) {
        write(report);
    }

    @Override
    public void finished(ScanOutcome lastScan, LeakReport report) {
        write(report); // once: the last scan's changes are in it
    }

    private void write(LeakReport report) {
        try {
            file.write(report);
            lastProblem = null;
        } catch (IOException | RuntimeException unwritable) {
            // A report written whole but too large for its readers is said once, not at each size it grows to.
            boolean written = unwritable instanceof ReportFile.TooLarge;
            String problem = written ? "too large" : "cannot write " + describe() + ": " + unwritable.getMessage();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                warn.accept(written ? describe() + " " + unwritable.getMessage()
                        : problem + "; will retry when findings change");
            }
        }
    }

    @Override
    public String toString() {
        return file.path().toString();
    }
}
