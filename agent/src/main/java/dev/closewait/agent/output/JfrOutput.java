package dev.closewait.agent.output;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import jdk.jfr.FlightRecorder;

/**
 * Records findings, and changes of their status, as {@link ConnectionLeakEvent}s. A runtime without
 * the {@code jdk.jfr} module gets {@link Output#NONE} instead. Until something starts Flight Recorder
 * in this JVM no recording can take an event, so nothing of JFR is touched: the event class's first
 * use sets up JFR's machinery, about 0.1 s of CPU that a JVM without a recording never needs.
 */
final class JfrOutput implements Output {

    private JfrOutput() {
    }

    /** The JFR output for this runtime. */
    static Output forThisRuntime() {
        return ModuleLayer.boot().findModule("jdk.jfr").isPresent() ? new JfrOutput() : Output.NONE;
    }

    @Override
    public void changed(ScanOutcome outcome, LeakReport report) {
        if (!Recorder.anyRecordingPossible()) {
            return;
        }
        for (Finding leak : outcome.found()) {
            Recorder.record(leak);
        }
        for (Finding leak : outcome.changed()) {
            Recorder.record(leak);
        }
    }

    /** Names the event class: loaded only where jdk.jfr exists. */
    private static final class Recorder {
        /** False until Flight Recorder starts here (-XX:StartFlightRecording, jcmd JFR.start, the API). */
        static boolean anyRecordingPossible() {
            return FlightRecorder.isInitialized();
        }

        static void record(Finding leak) {
            ConnectionLeakEvent event = new ConnectionLeakEvent();
            if (!event.isEnabled()) {
                return;
            }
            event.leakId = leak.id();
            event.status = leak.status().name();
            event.state = leak.state() == null ? null : leak.state().name();
            event.origin = leak.origin().name();
            event.local = leak.local() == null ? null : leak.local().toString();
            event.remote = leak.remote().toString();
            // Printable, as in the text log: a frame holding a newline stays one line of the stack, and
            // no escape reaches the terminal of `jfr print`.
            event.thread = leak.thread() == null ? null : TextReport.printable(leak.thread());
            StringBuilder stack = new StringBuilder();
            for (String frame : leak.stack()) {
                stack.append(stack.length() == 0 ? "" : "\n").append(TextReport.printable(frame));
            }
            event.stack = stack.toString();
            if (leak.jdbc() != null) {
                event.jdbcUrl = leak.jdbc().url() == null ? null : TextReport.printable(leak.jdbc().url());
                event.jdbcConnectError = leak.jdbc().connectError() == null ? null
                        : TextReport.printable(leak.jdbc().connectError().toString());
            }
            event.commit();
        }
    }
}
