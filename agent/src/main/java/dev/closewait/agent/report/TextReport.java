package dev.closewait.agent.report;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.track.LeakStatus;
import dev.closewait.agent.track.StackFrames;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The human-readable form of findings: a block per leak, a line per status change, a summary.
 * Application frames (outside the JDK) are marked with {@code =>} so the line to fix stands out.
 */
public final class TextReport {

    /** Every line the agent prints starts with this. */
    public static final String PREFIX = "[closewait] ";

    private static final int MAX_FRAMES = 40;

    private TextReport() {
    }

    /** The block for a new finding. */
    public static String finding(Finding leak, long now) {
        StringBuilder text = new StringBuilder();
        text.append(PREFIX).append("LEAK #").append(leak.id()).append(": ").append(headline(leak, now)).append('\n');
        text.append("    remote ").append(leak.remote())
                .append("   local ").append(leak.local() == null ? "?" : leak.local())
                .append("   origin ").append(leak.origin())
                .append("   state ").append(leak.state() == null ? "?" : leak.state()).append('\n');
        if (leak.thread() != null) {
            text.append("    opened by thread \"").append(leak.thread()).append("\" at ")
                    .append(Timestamps.millis(leak.openedAt())).append('\n');
        }
        if (leak.closeWaitSince() != Finding.NEVER) {
            text.append("    in CLOSE_WAIT since ").append(Timestamps.millis(leak.closeWaitSince())).append('\n');
        }
        appendStack(text, leak.stack());
        return text.toString();
    }

    /** One line for a new finding whose creation stack was already printed with leak {@code firstId}. */
    public static String repeat(Finding leak, long firstId, long now) {
        String frame = StackFrames.firstApplicationFrame(leak.stack());
        return PREFIX + "LEAK #" + leak.id() + ": " + headline(leak, now) + "; remote " + leak.remote() + ", local "
                + (leak.local() == null ? "?" : leak.local()) + ", thread \"" + leak.thread() + "\"; opened at "
                + frame + ", same stack as LEAK #" + firstId + '\n';
    }

    /** One line for a finding whose status changed. */
    public static String statusChange(Finding leak, long now) {
        return PREFIX + "LEAK #" + leak.id() + " (" + leak.remote() + ") is now " + leak.status() + ": "
                + headline(leak, now) + '\n';
    }

    /** The summary printed at exit: counts, then one line per finding. */
    public static String summary(LeakReport report, String reportLocation) {
        Map<LeakStatus, Integer> byStatus = new EnumMap<>(LeakStatus.class);
        for (Finding leak : report.leaks()) {
            byStatus.merge(leak.status(), 1, Integer::sum);
        }
        StringBuilder text = new StringBuilder();
        text.append(PREFIX).append("summary: ").append(report.tracked())
                .append(report.tracked() == 1 ? " socket tracked, " : " sockets tracked, ")
                .append(report.open()).append(" open now, ").append(report.leaks().size())
                .append(report.leaks().size() == 1 ? " leak" : " leaks");
        if (!byStatus.isEmpty()) {
            text.append(" (");
            String separator = "";
            for (Map.Entry<LeakStatus, Integer> entry : byStatus.entrySet()) {
                text.append(separator).append(entry.getValue()).append(' ').append(entry.getKey());
                separator = ", ";
            }
            text.append(')');
        }
        if (reportLocation != null) {
            text.append("; report: ").append(reportLocation);
        }
        text.append('\n');
        for (Finding leak : report.leaks()) {
            String frame = StackFrames.firstApplicationFrame(leak.stack());
            text.append(PREFIX).append(String.format(java.util.Locale.ROOT, "  #%-5d %-15s %-22s %s\n",
                    leak.id(), leak.status(), leak.remote(), frame == null ? "(no stack)" : frame));
        }
        return text.toString();
    }

    /** What happened, in words. */
    static String headline(Finding leak, long now) {
        long since = leak.closeWaitSince();
        switch (leak.status()) {
            case OPEN:
                return "peer closed the connection " + Timestamps.duration(now - since)
                        + " ago (CLOSE_WAIT), the application never closed the socket";
            case CLOSED_LATE:
                return "the application closed the socket only after " + Timestamps.duration(leak.closedAt() - since)
                        + " in CLOSE_WAIT";
            case RECLAIMED_BY_GC:
                return "never closed by the application; the socket sat in CLOSE_WAIT until the garbage collector"
                        + " reclaimed it (" + Timestamps.duration(leak.unreachableAt() - since) + ")";
            case ORPHANED:
                return "never closed by the application and no longer reachable, yet its descriptor is still held"
                        + " in CLOSE_WAIT (NIO channels have no cleaner): it stays until the process exits";
            default:
                throw new IllegalStateException("unknown status " + leak.status());
        }
    }

    private static void appendStack(StringBuilder text, List<String> stack) {
        if (stack.isEmpty()) {
            text.append("    (no creation stack: the socket was open before the agent started)\n");
            return;
        }
        text.append("    opened at:\n");
        int shown = Math.min(stack.size(), MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            String frame = stack.get(i);
            text.append(StackFrames.isApplicationFrame(frame) ? "    => " : "       ").append(frame).append('\n');
        }
        if (stack.size() > shown) {
            text.append("       ... ").append(stack.size() - shown).append(" more\n");
        }
    }
}
