package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.report.TextReport;
import dev.closewait.agent.testing.TestFindings;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FailOnLeakNotice}: the report on standard error once, with the exit status, and nothing for a clean run. */
class FailOnLeakNoticeTest {

    private static final LeakReport LEAKED = new LeakReport(4242, TestFindings.at("2026-11-21T10:15:30Z"), 12, 9,
            1000, List.of(TestFindings.open()));

    @Test
    void withTheLogElsewhereTheWholeReportGoesToStandardErrorBeforeTheStatus() {
        String err = standardErrorOf(new FailOnLeakNotice(TextReport.DEFAULT, false), LEAKED);

        assertTrue(err.startsWith(TextReport.DEFAULT.full(LEAKED)), err);
        assertTrue(err.endsWith("failOnLeak: this run leaked 1 connection; the JVM exits with status 3 (an"
                + " application's own non-zero status is kept)" + System.lineSeparator()), err);
    }

    @Test
    void withTheLogOnStandardErrorOnlyTheStatusIsAddedToWhatItPrinted() {
        String err = standardErrorOf(new FailOnLeakNotice(TextReport.DEFAULT, true), LEAKED);

        assertEquals(TextReport.PREFIX + "failOnLeak: this run leaked 1 connection (listed above); the JVM exits with"
                + " status 3 (an application's own non-zero status is kept)" + System.lineSeparator(), err);
    }

    @Test
    void aCleanRunPrintsNothing() {
        LeakReport clean = new LeakReport(4242, TestFindings.at("2026-11-21T10:15:30Z"), 12, 9, 1000, List.of());

        assertEquals("", standardErrorOf(new FailOnLeakNotice(TextReport.DEFAULT, false), clean));
        assertFalse(standardErrorOf(new FailOnLeakNotice(TextReport.DEFAULT, true), clean).contains("failOnLeak"));
    }

    private static String standardErrorOf(FailOnLeakNotice notice, LeakReport report) {
        PrintStream before = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            notice.finished(ScanOutcome.NONE, report);
        } finally {
            System.setErr(before);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
