package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;

/**
 * One place findings go: the text log, the JSON report file, JFR, the exit notice of
 * {@code failOnLeak}. The runtime only hands each scan's changes and the final report to
 * {@link Outputs}, which passes them to every output built from the options.
 */
interface Output {

    /** An output that does nothing: what an option that is not set stands for. */
    Output NONE = new Output() {
    };

    /** A scan found or changed findings ({@code outcome}); {@code report} is the report as of now. */
    default void changed(ScanOutcome outcome, LeakReport report) {
    }

    /**
     * The JVM ends: {@code lastScan} is what the last scan changed (already in {@code report}, the
     * final report). Called once, instead of {@link #changed} for that scan.
     */
    default void finished(ScanOutcome lastScan, LeakReport report) {
        changed(lastScan, report);
    }

    /** Releases what the output holds open (a file); nothing is written after. */
    default void close() {
    }
}
