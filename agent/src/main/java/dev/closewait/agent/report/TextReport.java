package dev.closewait.agent.report;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.track.JdbcFailure;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.Origin;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The human-readable form of findings: a block per leak, a line per status change, a summary.
 * Application frames (outside the JDK) are marked with {@code =>} so the line to fix stands out.
 */
public final class TextReport {

    /** The text of reports with the default application frames (no {@code app} option): the CLI's and JUnit's. */
    public static final TextReport DEFAULT = new TextReport(AppFrames.DEFAULT);

    /** Every line the agent prints starts with this. */
    public static final String PREFIX = "[closewait] ";

    private static final int MAX_FRAMES = 40;
    /** Peers (seen by two scans) and port-pressure entries the summary names, at most; the report lists them all. */
    private static final int SUMMARY_PEERS = 5;
    private static final int SUMMARY_PRESSURE = 3;
    /** A remote's share of the ephemeral range from which the summary names it without a warning. */
    private static final double SUMMARY_SHARE = 0.01;

    private final AppFrames frames;

    /** Text in which {@code frames} decides which frames are the application's. */
    public TextReport(AppFrames frames) {
        this.frames = frames;
    }

    /**
     * {@code text} safe to print on one line of a terminal or a log: control characters, line and
     * paragraph separators and bidirectional overrides are written as escapes ({@code \n},
     * {@code \u001b}, ...), so a thread name, a frame or a server's message cannot start a line
     * of its own (a forged {@code [closewait]} line) or move the cursor. {@code null} stays "null".
     */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder safe = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = escape(c);
            if (escape != null && safe == null) {
                safe = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (safe != null) {
                if (escape != null) {
                    safe.append(escape);
                } else {
                    safe.append(c);
                }
            }
        }
        return safe == null ? text : safe.toString();
    }

    /**
     * {@code text} {@linkplain #printable printable} in double quotes, a quote or backslash in it
     * escaped with a backslash: a thread named {@code a" at b} cannot pass for the end of its name.
     * {@code null} stays "null", unquoted.
     */
    public static String quoted(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder(text.length() + 8).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else {
                String escape = escape(c);
                quoted.append(escape == null ? String.valueOf(c) : escape);
            }
        }
        return quoted.append('"').toString();
    }

    private static String escape(char c) {
        switch (c) {
            case '\n': return "\\n";
            case '\r': return "\\r";
            case '\t': return "\\t";
            default:
                boolean control = c < 0x20 || c >= 0x7f && c <= 0x9f;
                boolean layout = c == '\u2028' || c == '\u2029' || c >= '\u202a' && c <= '\u202e'
                        || c >= '\u2066' && c <= '\u2069' || c == '\u200e' || c == '\u200f' || c == '\u061c';
                return control || layout ? String.format(java.util.Locale.ROOT, "\\u%04x", (int) c) : null;
        }
    }

    /** The block for a new finding. */
    public String finding(Finding leak, long now) {
        StringBuilder text = new StringBuilder();
        text.append(PREFIX).append("LEAK #").append(leak.id()).append(": ").append(headline(leak, now)).append('\n');
        text.append("    remote ").append(leak.remote())
                .append("   local ").append(leak.local() == null ? "?" : leak.local())
                .append("   origin ").append(leak.origin())
                .append("   state ").append(leak.state() == null ? "?" : leak.state()).append('\n');
        if (leak.thread() != null) {
            text.append("    opened by thread ").append(quoted(leak.thread())).append(" at ")
                    .append(Timestamps.millis(leak.openedAt())).append('\n');
        }
        if (leak.closeWaitSince() != Finding.NEVER) {
            text.append("    in CLOSE_WAIT since ").append(Timestamps.millis(leak.closeWaitSince())).append('\n');
        }
        Finding.Jdbc jdbc = leak.jdbc();
        if (jdbc != null) {
            text.append("    JDBC ").append(printable(jdbc.url())).append("   user ").append(printable(jdbc.user()))
                    .append("   driver ").append(printable(jdbc.driver())).append('\n');
            String story = jdbcStory(leak);
            if (story != null) {
                text.append("    ").append(story).append('\n');
            }
        }
        appendStack(text, leak.stack(), libraryOf(leak), leak.origin());
        if (leak.requestedBy() != null) {
            appendFrames(text, "requested at (the call that asked for it; the socket was opened on the library's"
                    + " thread " + quoted(leak.thread()) + "):", leak.requestedBy(), libraryOf(leak));
        }
        if (leak.heldBy() != null) {
            Finding.HeldBy held = leak.heldBy();
            text.append("    held idle by ").append(printable(held.library())).append(held.name() == null ? "" : " pool " + printable(held.name()))
                    .append(" since ").append(Timestamps.millis(held.idleSince()))
                    .append(": the pool holds it, not the application\n");
        }
        if (leak.borrowedBy() != null) {
            appendFrames(text, "borrowed from the pool, never returned, at:", leak.borrowedBy(), libraryOf(leak));
        }
        if (leak.diagnosis() != null) {
            text.append("    cause: ").append(printable(leak.diagnosis().cause())).append('\n');
            if (leak.diagnosis().advice() != null) {
                text.append("    fix: ").append(printable(leak.diagnosis().advice())).append('\n');
            }
        }
        return text.toString();
    }

    /** A block for a socket a test left open: where it goes, its state now, the stack that opened it. */
    public String openSocket(Finding socket) {
        StringBuilder text = new StringBuilder();
        text.append("  socket #").append(socket.id()).append(": remote ").append(socket.remote())
                .append("   local ").append(socket.local() == null ? "?" : socket.local())
                .append("   state ").append(socket.state() == null ? "?" : socket.state())
                .append("   opened by thread ").append(quoted(socket.thread())).append('\n');
        if (socket.jdbc() != null) {
            text.append("    JDBC ").append(printable(socket.jdbc().url())).append("   user ")
                    .append(printable(socket.jdbc().user())).append('\n');
        }
        appendStack(text, socket.stack(), libraryOf(socket), socket.origin());
        return text.toString();
    }

    /** One line for a new finding whose creation stack was already printed with leak {@code firstId}. */
    public String repeat(Finding leak, long firstId, long now) {
        String frame = nameFrame(leak);
        return PREFIX + "LEAK #" + leak.id() + ": " + headline(leak, now) + "; remote " + leak.remote() + ", local "
                + (leak.local() == null ? "?" : leak.local()) + ", thread " + quoted(leak.thread())
                + "; opened at " + printable(frame) + ", same stack as LEAK #" + firstId + '\n';
    }

    /**
     * One line for a finding, as {@code check} lists it:
     * {@code #17    OPEN            127.0.0.1:1433         com.example.OrderDao.load(OrderDao.java:42)}.
     */
    public String checkLine(Finding leak) {
        String frame = nameFrame(leak);
        return String.format(java.util.Locale.ROOT, "#%-5d %-15s %-22s %s%s", leak.id(), leak.status(), leak.remote(),
                frame == null ? "(no stack: " + (leak.origin() == Origin.UNTRACKED ? "opened out of closewait's sight)"
                        : "open before the agent attached)") : printable(frame), heldNote(leak));
    }

    /** {@code "  (held idle by HikariCP: not the application's)"} for a finding a pool holds; else empty. */
    private static String heldNote(Finding leak) {
        return leak.heldBy() == null ? "" : "  (held idle by " + printable(leak.heldBy().library()) + ": not the application's)";
    }

    /** One line for several new findings of this scan whose creation stack was printed with leak {@code firstId}. */
    public static String repeats(List<Finding> leaks, long firstId) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < leaks.size() && i < 5; i++) {
            ids.append(i == 0 ? "#" : ", #").append(leaks.get(i).id());
        }
        Finding last = leaks.get(leaks.size() - 1);
        return PREFIX + leaks.size() + " more leaks (" + ids + (leaks.size() > 5 ? ", ..." : "") + ") with the creation"
                + " stack of LEAK #" + firstId + ", the last to " + last.remote() + ", " + last.status() + '\n';
    }

    /** The line that says findings came past the cap: {@code more} since it was last said, {@code total} in all. */
    public static String dropped(long more, long total) {
        return PREFIX + more + (more == 1 ? " finding" : " findings") + " past maxFindings, counted per creation stack"
                + " and remote, not listed (" + total + " in all; the report's droppedFindings has them)\n";
    }

    /** One line for a finding whose status or JDBC connection changed. */
    public String statusChange(Finding leak, long now) {
        String story = leak.jdbc() == null ? null : jdbcStory(leak);
        return PREFIX + "LEAK #" + leak.id() + " (" + leak.remote() + ") is now " + leak.status() + ": "
                + headline(leak, now) + (story == null ? "" : "; " + story) + '\n';
    }

    /** What happened to a leaked socket's JDBC connection, in words; {@code null} if nothing yet. */
    static String jdbcStory(Finding leak) {
        Finding.Jdbc jdbc = leak.jdbc();
        StringBuilder story = new StringBuilder();
        if (jdbc.connectionClosedAt() != Finding.NEVER) {
            story.append("this JDBC connection was closed at ")
                    .append(Timestamps.timeOfDay(jdbc.connectionClosedAt()))
                    .append(leak.status() == LeakStatus.OPEN ? " UTC but its socket is still open: the driver abandoned it"
                            : " UTC; its socket was closed only later");
        } else if (jdbc.connectFailedAt() != Finding.NEVER) {
            story.append("the JDBC connect failed at ").append(Timestamps.timeOfDay(jdbc.connectFailedAt()))
                    .append(" UTC but left this socket open");
        }
        if (jdbc.connectError() != null) {
            story.append(story.length() == 0 ? "" : "; ").append("last connect error ")
                    .append(printable(String.valueOf(jdbc.connectError())));
        }
        return story.length() == 0 ? null : story.toString();
    }

    /**
     * The whole report, as {@code closewait report PID} prints it: first the sockets that were
     * already open when the agent attached, counted per remote endpoint (they have no stacks),
     * then a block per other finding, then the summary.
     */
    public String full(LeakReport report) {
        StringBuilder text = new StringBuilder();
        text.append(PREFIX).append("process ").append(report.pid()).append(", report of ")
                .append(Timestamps.seconds(report.generatedAt()))
                .append(report.graceMillis() == LeakReport.GRACE_UNKNOWN ? ""
                        : " (grace " + Timestamps.duration(report.graceMillis()) + ")").append("\n");
        Map<String, int[]> beforeAttach = new TreeMap<>();
        int beforeAttachOpen = 0;
        for (Finding leak : report.leaks()) {
            if (leak.origin() == Origin.BEFORE_ATTACH) {
                int[] counts = beforeAttach.computeIfAbsent(leak.remote().toString(), remote -> new int[2]);
                counts[leak.status() == LeakStatus.OPEN ? 0 : 1]++;
                beforeAttachOpen += leak.status() == LeakStatus.OPEN ? 1 : 0;
            }
        }
        if (!beforeAttach.isEmpty()) {
            text.append(PREFIX).append("sockets open before closewait attached and left in CLOSE_WAIT: ")
                    .append(beforeAttachOpen).append(" still open (no creation stack: they predate the agent)\n");
            beforeAttach.entrySet().stream()
                    .sorted((a, b) -> Integer.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                    .forEach(entry -> text.append(PREFIX).append(String.format(java.util.Locale.ROOT,
                            "  %-22s %5d open, %d released since\n", entry.getKey(), entry.getValue()[0],
                            entry.getValue()[1])));
        }
        for (Finding leak : report.leaks()) {
            if (leak.origin() != Origin.BEFORE_ATTACH) {
                text.append(finding(leak, report.generatedAt()));
            }
        }
        return text.append(summary(report, null)).toString();
    }

    /**
     * The summary printed at exit: counts, then one line per finding, per peer not finishing its
     * close (one of its rows seen by two scans), per remote under port pressure.
     */
    public String summary(LeakReport report, String reportLocation) {
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
        if (report.ignored() > 0) {
            text.append(", ").append(report.ignored()).append(" more left out by ignore rules");
        }
        if (report.heldByPools() > 0) {
            text.append(", ").append(report.heldByPools()).append(" of them")
                    .append(" held idle by a pool, not the application's");
        }
        if (report.dropped() > 0) {
            text.append(", ").append(report.dropped()).append(" more past maxFindings, counted, not listed");
        }
        if (reportLocation != null) {
            text.append("; report: ").append(printable(reportLocation));
        }
        text.append('\n');
        for (JdbcFailure failure : report.jdbcConnectFailures()) {
            text.append(PREFIX).append("JDBC connect failed ").append(failure.count())
                    .append(failure.count() == 1 ? " time" : " times")
                    .append(failure.reconnects() == 0 ? "" : " (" + failure.reconnects() + " of them the driver's own "
                            + (failure.reconnects() == 1 ? "reconnect" : "reconnects") + " of an open connection)")
                    .append(" for ").append(printable(failure.url()))
                    .append(" (user ").append(printable(failure.user())).append("), last at ")
                    .append(Timestamps.millis(failure.lastAt())).append(": ")
                    .append(printable(String.valueOf(failure.lastError()))).append('\n');
        }
        int beforeAttach = 0;
        for (Finding leak : report.leaks()) {
            if (leak.origin() == Origin.BEFORE_ATTACH) {
                beforeAttach++;
                continue;
            }
            String frame = nameFrame(leak);
            text.append(PREFIX).append(String.format(java.util.Locale.ROOT, "  #%-5d %-15s %-22s %s%s\n",
                    leak.id(), leak.status(), leak.remote(), frame == null ? "(no stack)" : printable(frame),
                    heldNote(leak)));
        }
        if (beforeAttach > 0) {
            text.append(PREFIX).append("  and ").append(beforeAttach)
                    .append(beforeAttach == 1 ? " leak" : " leaks").append(" among sockets open before the agent attached\n");
        }
        List<PeerNotClosing> peers = new ArrayList<>();
        for (PeerNotClosing peer : report.peersNotClosing()) {
            if (peer.seenBefore()) { // rows the last scan alone saw are as likely closes in progress
                peers.add(peer);
            }
        }
        for (int i = 0; i < peers.size() && i < SUMMARY_PEERS; i++) {
            text.append(peerNotClosing(peers.get(i), report.generatedAt()));
        }
        if (peers.size() > SUMMARY_PEERS) {
            text.append(PREFIX).append("  and ").append(peers.size() - SUMMARY_PEERS)
                    .append(" more peers not finishing their close: see the report's peersNotClosing\n");
        }
        int shown = 0;
        for (PortPressureEntry entry : report.portPressure()) {
            if (shown < SUMMARY_PRESSURE && (entry.warning() != null || entry.share() >= SUMMARY_SHARE)) {
                text.append(portPressure(entry));
                shown++;
            }
        }
        return text.toString();
    }

    /**
     * A line on a peer that does not finish closing: {@code peer 10.0.0.7:8080 does not finish
     * closing: 12 connections this JVM closed are in FIN_WAIT_2 (oldest 3.1 min), closed at ...};
     * then a line per half-closed socket the application still owns past {@code grace}.
     */
    public String peerNotClosing(PeerNotClosing peer, long now) {
        StringBuilder text = new StringBuilder(PREFIX);
        text.append(peer.accepted() ? "client " : "peer ").append(Peers.text(peer.remote()))
                .append(" does not finish closing: ").append(peer.count())
                .append(peer.count() == 1 ? " connection" : " connections")
                .append(peer.accepted() ? " this server closed " : " this JVM closed ")
                .append(peer.count() == 1 ? "is" : "are").append(" in FIN_WAIT_2 (oldest ")
                .append(Timestamps.duration(Math.max(0, now - peer.oldestSince()))).append(')');
        if (peer.halfClosed() > 0) {
            text.append(", ").append(peer.halfClosed()).append(" of them only shut down for output and still open");
        }
        String closer = peer.closedBy() == null ? null : frames.whoClosed(peer.closedBy(), null);
        String opener = peer.openedBy() == null ? null : frames.firstApplicationFrame(peer.openedBy());
        if (closer != null) {
            text.append("; closed by ").append(printable(closer));
        }
        if (opener != null) {
            text.append("; opened at ").append(printable(opener));
        }
        text.append('\n');
        for (PeerNotClosing.HalfClosed socket : peer.sockets()) {
            String frame = frames.firstApplicationFrame(socket.stack());
            text.append(PREFIX).append(String.format(java.util.Locale.ROOT, "  #%-5d half-closed %-22s %s, waiting %s\n",
                    socket.id(), socket.local(), frame == null ? "(no stack)" : printable(frame),
                    Timestamps.duration(Math.max(0, now - socket.since()))));
        }
        return text.toString();
    }

    /**
     * A line on the ports this JVM holds towards one remote: {@code WARNING port pressure towards
     * 10.0.0.7:5432: 16,400 of 28,232 ephemeral ports in use (58 %); ...; opened most at ...} past
     * half the range, else the counts by state.
     */
    public String portPressure(PortPressureEntry entry) {
        StringBuilder text = new StringBuilder(PREFIX);
        if (entry.warning() != null) {
            text.append("WARNING port pressure towards ").append(entry.remote()).append(": ").append(entry.warning());
        } else {
            text.append("ports towards ").append(entry.remote()).append(": ").append(String.format(java.util.Locale.ROOT,
                    "%,d in use (%d %% of the ephemeral range), %,.0f opens a minute", entry.portsInUse(),
                    Math.round(100 * entry.share()), entry.opensPerMinute()));
        }
        text.append(String.format(java.util.Locale.ROOT, " [%d ESTABLISHED, %d CLOSE_WAIT, %d FIN_WAIT_2, %d TIME_WAIT]",
                entry.established(), entry.closeWait(), entry.finWait2(), entry.timeWait()));
        if (!entry.topStacks().isEmpty()) {
            String frame = frames.firstApplicationFrame(entry.topStacks().get(0).stack());
            if (frame != null) {
                text.append("; opened most at ").append(printable(frame));
            }
        }
        return text.append('\n').toString();
    }

    /**
     * What happened, in words. A peer's close is known from the first scan that saw CLOSE_WAIT, up to
     * an {@code interval} after the FIN (or the attach, for a socket already there): "at least".
     */
    String headline(Finding leak, long now) {
        long since = leak.closeWaitSince();
        switch (leak.status()) {
            case OPEN:
                if (leak.heldBy() != null) {
                    return "peer closed the connection at least " + Timestamps.duration(now - since)
                            + " ago (CLOSE_WAIT) while it sat idle in " + printable(leak.heldBy().library())
                            + ": the pool holds it, not the application";
                }
                if (leak.origin() == Origin.UNTRACKED) {
                    return "a socket of this process that closewait did not see opened has been in CLOSE_WAIT for"
                            + " at least " + Timestamps.duration(now - since) + " (no creation stack: native code or an"
                            + " inherited descriptor)";
                }
                if (leak.atExit()) {
                    return "peer closed the connection at least " + Timestamps.duration(now - since)
                            + " ago (CLOSE_WAIT), and the JVM ended with the socket still open: the application never"
                            + " closed it";
                }
                if (since == Finding.NEVER) {
                    return "its JDBC connection ended but the socket is still open ("
                            + (leak.state() == null ? "state unknown" : leak.state()) + "): the driver abandoned it";
                }
                return "peer closed the connection at least " + Timestamps.duration(now - since)
                        + " ago (CLOSE_WAIT), the application never closed the socket";
            case CLOSED_LATE:
                String who = leak.closedBy() == null ? null : frames.whoClosed(leak.closedBy(), libraryOf(leak));
                String closed = who == null ? "the socket was closed" : printable(who) + " closed the socket";
                return since == Finding.NEVER ? closed + " only after its JDBC connection had ended"
                        : closed + " only after " + Timestamps.duration(leak.closedAt() - since) + " in CLOSE_WAIT";
            case RECLAIMED_BY_GC:
                // A report read back (the live one, or a file) does not say when the collector reclaimed it.
                return since == Finding.NEVER ? "never closed; the garbage collector reclaimed the socket"
                        : "never closed by the application; the socket sat in CLOSE_WAIT until the garbage collector"
                        + " reclaimed it" + (leak.unreachableAt() == Finding.NEVER ? ""
                        : " (" + Timestamps.duration(leak.unreachableAt() - since) + ")");
            case ORPHANED:
                return "never closed by the application and no longer reachable, yet its descriptor is still held ("
                        + (leak.state() == null ? "state unknown" : leak.state())
                        + "; NIO channels have no cleaner): it stays until the process exits";
            default:
                throw new IllegalStateException("unknown status " + leak.status());
        }
    }

    /**
     * The frame a one-line summary names: where the connection was borrowed and never returned, if
     * the application did that (the pool may have opened the socket anywhere, at start-up say); else
     * {@link AppFrames#nameFrame}'s.
     */
    private String nameFrame(Finding leak) {
        List<String> borrowedBy = leak.borrowedBy();
        if (borrowedBy != null && frames.hasApplicationFrame(borrowedBy, libraryOf(leak))) {
            return frames.firstApplicationFrame(borrowedBy, libraryOf(leak));
        }
        return frames.nameFrame(leak.stack(), leak.requestedBy(), libraryOf(leak));
    }

    /** The package of the driver that opened a JDBC socket: its frames are not the application's. */
    static String libraryOf(Finding leak) {
        return leak.jdbc() == null ? null : AppFrames.packageOf(leak.jdbc().driver());
    }

    private void appendFrames(StringBuilder text, String title, List<String> stack, String library) {
        text.append("    ").append(title).append('\n');
        int shown = Math.min(stack.size(), MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            String frame = stack.get(i);
            text.append(frames.isApplicationFrame(frame, library) ? "    => " : "       ").append(printable(frame))
                    .append('\n');
        }
        if (stack.size() > shown) {
            text.append("       ... ").append(stack.size() - shown).append(" more\n");
        }
    }

    private void appendStack(StringBuilder text, List<String> stack, String library, Origin origin) {
        if (stack.isEmpty()) {
            text.append(origin == Origin.UNTRACKED ? "    (no creation stack: closewait did not see it opened)\n"
                    : "    (no creation stack: the socket was open before the agent attached)\n");
            return;
        }
        text.append("    opened at:\n");
        int shown = Math.min(stack.size(), MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            String frame = stack.get(i);
            text.append(frames.isApplicationFrame(frame, library) ? "    => " : "       ").append(printable(frame))
                    .append('\n');
        }
        if (stack.size() > shown) {
            text.append("       ... ").append(stack.size() - shown).append(" more\n");
        }
    }
}
