package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;

import java.io.IOException;
import java.util.function.Consumer;

/** The JSON report file, rewritten when findings change and once at exit. */
final class ReportFileOutput implements Output {

    private final ReportFile file;
    private final Consumer<String> warn;
    private String lastProblem;

    ReportFileOutput(ReportFile file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
    }

    /** Writes {@code report} now, so that a path that cannot be written fails at start-up. */
    void proveWritable(LeakReport report) throws IOException {
        file.write(report);
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
            String problem = "cannot write the report file " + file.path() + ": " + unwritable.getMessage();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                warn.accept(problem + "; will retry when findings change");
            }
        }
    }

    @Override
    public String toString() {
        return file.path().toString();
    }
}
