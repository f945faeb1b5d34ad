package dev.closewait.agent.output;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.report.TextReport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The human-readable output, to standard error, a file (appended to), or nowhere: a block per new
 * finding (a storm of leaks from one stack prints it once, then a line each), a line per change, the
 * summary at exit. The agent's own notes (start-up line, warnings) go here too, so every
 * {@code [closewait]} line leaves by one route.
 */
public final class TextLog implements Output {

    private static final TextLog OFF = new TextLog(null, "off", null, false, TextReport.DEFAULT);

    private final PrintStream out;
    private final String description;
    private final String reportLocation;
    private final boolean ownsStream;
    private final TextReport text;
    /** Whether writing the file failed once (said once, on standard error). */
    private boolean failed;
    /** Stacks already printed in full, with the id of the leak that printed them (scan thread only). */
    private final Map<List<String>, Long> firstLeakByStack = new HashMap<>();
    /** {@code dropped} when last said (scan thread only). */
    private long droppedSaid;

    private TextLog(PrintStream out, String description, String reportLocation, boolean ownsStream, TextReport text) {
        this.text = text;
        this.out = out;
        this.description = description;
        this.reportLocation = reportLocation;
        this.ownsStream = ownsStream;
    }

    /** Standard error, as it is when the log is made. */
    public static TextLog stderr(String reportLocation, TextReport text) {
        return new TextLog(System.err, "stderr", reportLocation, false, text);
    }

    /** No output at all. */
    public static TextLog off() {
        return OFF;
    }

    /**
     * A file (owner-only if new, never through a link), opened for appending now so that a path
     * that cannot be written fails at start-up.
     */
    static TextLog file(Path path, String reportLocation, TextReport text) throws IOException {
        Path absolute = path.toAbsolutePath();
        PrintStream stream = new PrintStream(OwnerOnlyFiles.append(absolute), false, StandardCharsets.UTF_8.name());
        return new TextLog(stream, absolute.toString(), reportLocation, true, text);
    }

    /** Writes a line of the agent's own ({@code [closewait] } is put before it), kept on one line. */
    public void note(String line) {
        print(TextReport.PREFIX + TextReport.printable(line) + '\n');
    }

    /**
     * A block for each finding with a stack not printed before; the others of this scan one line
     * per stack (one line each when alone), so a storm from one line of code prints its stack once.
     */
    @Override
    public void changed(ScanOutcome outcome, LeakReport report) {
        long now = report.generatedAt();
        Map<Long, List<Finding>> repeats = new LinkedHashMap<>();
        for (Finding leak : outcome.found()) {
            Long first = firstLeakByStack.putIfAbsent(leak.stack(), leak.id());
            if (first == null || leak.stack().isEmpty()) {
                print(text.finding(leak, now));
            } else {
                repeats.computeIfAbsent(first, id -> new ArrayList<>()).add(leak);
            }
        }
        for (Map.Entry<Long, List<Finding>> same : repeats.entrySet()) {
            List<Finding> leaks = same.getValue();
            print(leaks.size() == 1 ? text.repeat(leaks.get(0), same.getKey(), now)
                    : TextReport.repeats(leaks, same.getKey()));
        }
        for (Finding leak : outcome.changed()) {
            print(text.statusChange(leak, now));
        }
        for (PeerNotClosing peer : outcome.newPeers()) {
            print(text.peerNotClosing(peer, now));
        }
        for (PortPressureEntry entry : outcome.newWarnings()) {
            print(text.portPressure(entry));
        }
        if (report.dropped() > droppedSaid) {
            print(TextReport.dropped(report.dropped() - droppedSaid, report.dropped()));
            droppedSaid = report.dropped();
        }
    }

    @Override
    public void finished(ScanOutcome lastScan, LeakReport report) {
        changed(lastScan, report);
        print(text.summary(report, reportLocation));
    }

    @Override
    public void close() {
        if (ownsStream) {
            out.close();
        }
    }

    private void print(String text) {
        if (out != null) {
            out.print(text);
            out.flush();
            if (ownsStream && out.checkError() && !failed) {
                // The log is where warnings go; one that cannot be written says so where the user looks.
                failed = true;
                System.err.println(TextReport.PREFIX + "WARNING: cannot write the log file " + description
                        + " (a full disk?); findings go on in the report file and over JMX");
            }
        }
    }

    /** {@code stderr}, {@code off} or the file's path. */
    @Override
    public String toString() {
        return description;
    }
}
