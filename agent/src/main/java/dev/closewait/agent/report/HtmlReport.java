package dev.closewait.agent.report;

import dev.closewait.agent.detect.DroppedGroup;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.track.JdbcFailure;
import dev.closewait.agent.track.Origin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A report as one self-contained HTML page: the summary, the leaks grouped by creation stack (the
 * application's frames highlighted, as {@link TextReport} marks them), a chart of CLOSE_WAIT and
 * FIN_WAIT_2 sockets over time per remote (inline SVG), the JDBC connect failures, the port
 * pressure and the peers that do not finish closing. Nothing on it is fetched: CSS, script and
 * pictures are inline, and its Content-Security-Policy forbids any request. Every text that comes
 * from the application or the network (thread names, frames, URLs, messages) is HTML-escaped after
 * {@link TextReport#printable} has escaped its control characters.
 */
public final class HtmlReport {

    private static final int MAX_FRAMES = 40;
    static final int CHART_WIDTH = 720;
    static final int CHART_HEIGHT = 150;
    private static final int LEFT = 44;
    private static final int RIGHT = 12;
    private static final int TOP = 10;
    private static final int BOTTOM = 26;

    private static final String CSS = String.join("\n",
            ":root{--fg:#1d232a;--muted:#5b6570;--line:#d8dde3;--app:#fff2b3;--cw:#c0392b;--fw:#d68910;--bg:#fff}",
            "*{box-sizing:border-box}",
            "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg);"
                    + "margin:0 auto;max-width:1100px;padding:16px 24px 48px}",
            "h1{font-size:22px;margin:8px 0 2px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);"
                    + "padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}",
            ".meta{color:var(--muted);margin:0 0 12px}",
            ".cards{display:flex;flex-wrap:wrap;gap:8px}",
            ".card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:110px}",
            ".card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}",
            ".card.bad b{color:var(--cw)}",
            "table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}",
            "th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}",
            "td .frame,td .thread,.jdbc code{overflow-wrap:anywhere}time,.status{white-space:nowrap}",
            "th{background:#f4f6f8;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}",
            "code,.stack{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}",
            ".group{border:1px solid var(--line);border-radius:6px;padding:10px 12px;margin:10px 0}",
            ".group.held{border-style:dashed}",
            ".stack{list-style:none;margin:6px 0;padding:0}",
            ".stack li{padding:0 4px;white-space:pre-wrap;word-break:break-all}",
            ".stack li.app{background:var(--app);font-weight:600}.stack li.app::before{content:'=> '}",
            ".stack li:not(.app)::before{content:'   '}",
            ".status{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;background:#eef1f4}",
            ".status.OPEN,.status.ORPHANED{background:#fadbd8}.status.CLOSED_LATE{background:#fdebd0}",
            ".status.RECLAIMED_BY_GC{background:#e8f0fe}",
            ".note{color:var(--muted)}.warn{color:var(--cw);font-weight:600}",
            ".legend{font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:14px;height:3px;"
                    + "vertical-align:middle;margin:0 4px 0 10px}",
            ".chart{margin:4px 0 14px}.chart svg{width:100%;max-width:" + CHART_WIDTH + "px;height:auto;display:block}",
            "svg .axis{stroke:#9aa4ae;stroke-width:1}svg .grid{stroke:#eef1f4;stroke-width:1}",
            "svg text{font:11px system-ui,sans-serif;fill:#5b6570}",
            "svg polyline{fill:none;stroke-width:2}svg polyline.CLOSE_WAIT{stroke:var(--cw)}",
            "svg polyline.FIN_WAIT_2{stroke:var(--fw);stroke-dasharray:5 3}",
            "svg .cursor{stroke:#5b6570;stroke-width:1;stroke-dasharray:2 2}",
            "footer{margin-top:32px;color:var(--muted);font-size:12px}");

    /**
     * Hover read-out of the charts: the point nearest the pointer, as text. It reads numbers from
     * {@code data-points} and writes with {@code textContent} only, never markup.
     */
    private static final String SCRIPT = String.join("\n",
            "(function(){",
            "  'use strict';",
            "  function two(n){return (n<10?'0':'')+n;}",
            "  function clock(ms){var d=new Date(ms);return two(d.getUTCHours())+':'+two(d.getUTCMinutes())+':'"
                    + "+two(d.getUTCSeconds())+' UTC';}",
            "  var charts=document.querySelectorAll('svg.series');",
            "  Array.prototype.forEach.call(charts,function(svg){",
            "    var points=JSON.parse(svg.getAttribute('data-points'));",
            "    var t0=Number(svg.getAttribute('data-t0')),t1=Number(svg.getAttribute('data-t1'));",
            "    var readout=svg.parentNode.querySelector('.readout');",
            "    var cursor=svg.querySelector('.cursor');",
            "    if(!points.length||!readout||!cursor){return;}",
            "    svg.addEventListener('mousemove',function(e){",
            "      var box=svg.getBoundingClientRect();",
            "      var x=(e.clientX-box.left)*" + CHART_WIDTH + "/box.width;",
            "      var t=t0+(x-" + LEFT + ")/" + (CHART_WIDTH - LEFT - RIGHT) + "*(t1-t0);",
            "      var best=points[0];",
            "      points.forEach(function(p){if(Math.abs(p[0]-t)<Math.abs(best[0]-t)){best=p;}});",
            "      var cx=t1===t0?" + (LEFT + (CHART_WIDTH - LEFT - RIGHT) / 2) + ":" + LEFT + "+(best[0]-t0)/(t1-t0)*"
                    + (CHART_WIDTH - LEFT - RIGHT) + ";",
            "      cursor.setAttribute('x1',cx);cursor.setAttribute('x2',cx);cursor.style.display='';",
            "      readout.textContent=clock(best[0])+': '+best[1]+' CLOSE_WAIT, '+best[2]+' FIN_WAIT_2';",
            "    });",
            "    svg.addEventListener('mouseleave',function(){cursor.style.display='none';readout.textContent='';});",
            "  });",
            "})();");

    private final AppFrames frames;
    private final TextReport text;

    /** A page on which {@code frames} decides which frames are the application's. */
    public HtmlReport(AppFrames frames) {
        this.frames = frames;
        this.text = new TextReport(frames);
    }

    /** Writes the page of {@code read} to {@code out} (UTF-8); does not close {@code out}. */
    public void write(ReportReader.Read read, OutputStream out) throws IOException {
        out.write(page(read.report(), read.version()).getBytes(StandardCharsets.UTF_8));
    }

    /** The page of {@code report}, written by the agent of {@code version}. */
    String page(LeakReport report, String version) {
        StringBuilder html = new StringBuilder(32 * 1024);
        String title = "closewait report: process " + report.pid();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src"
                        + " 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action"
                        + " 'none'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"closewait ").append(esc(version)).append("\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS)
                .append("\n</style>\n</head>\n<body>\n");
        html.append("<header>\n<h1>").append(esc(title)).append("</h1>\n<p class=\"meta\">report of ")
                .append(Timestamps.seconds(report.generatedAt()))
                .append(report.graceMillis() == LeakReport.GRACE_UNKNOWN ? ""
                        : ", grace " + esc(Timestamps.duration(report.graceMillis())))
                .append(", written by closewait ").append(esc(version)).append("; times are UTC</p>\n</header>\n");
        summary(html, report);
        leaks(html, report);
        chart(html, report);
        jdbcFailures(html, report);
        portPressure(html, report);
        peers(html, report);
        dropped(html, report);
        html.append("<footer>closewait: the code that leaves TCP connections in CLOSE_WAIT. This page is a picture of"
                + " the JSON report; the report holds every field.</footer>\n");
        html.append("<script>\n").append(SCRIPT).append("\n</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void summary(StringBuilder html, LeakReport report) {
        Map<LeakStatus, Integer> byStatus = new EnumMap<>(LeakStatus.class);
        for (Finding leak : report.leaks()) {
            byStatus.merge(leak.status(), 1, Integer::sum);
        }
        html.append("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
        card(html, "tracked", report.tracked(), "sockets tracked", false);
        card(html, "open", report.open(), "open now", false);
        card(html, "leaks", report.leaks().size(), "leaks listed", report.failing() > 0);
        for (LeakStatus status : LeakStatus.values()) {
            card(html, "status-" + status.name(), byStatus.getOrDefault(status, 0), status.name(),
                    false);
        }
        card(html, "heldByPools", report.heldByPools(), "held idle by a pool", false);
        card(html, "dropped", report.dropped(), "past maxFindings", report.dropped() > 0);
        card(html, "ignored", report.ignored(), "left out by ignore rules", false);
        html.append("</div>\n<p class=\"note\">").append(report.failing())
                .append(report.failing() == 1 ? " finding fails" : " findings fail")
                .append(" a CI gate (leaks that no pool holds, and those past maxFindings).</p>\n</section>\n");
    }

    private static void card(StringBuilder html, String name, long value, String label, boolean bad) {
        html.append("<div class=\"card").append(bad ? " bad" : "").append("\" data-count=\"").append(name)
                .append("\"><b>").append(value).append("</b><span>").append(esc(label)).append("</span></div>\n");
    }

    /** The leaks grouped by creation stack, the largest group first. */
    private void leaks(StringBuilder html, LeakReport report) {
        html.append("<section id=\"leaks\">\n<h2>Leaks by creation stack</h2>\n");
        if (report.leaks().isEmpty()) {
            html.append("<p class=\"note\">No leak listed.</p>\n</section>\n");
            return;
        }
        Map<List<String>, List<Finding>> groups = new LinkedHashMap<>();
        for (Finding leak : report.leaks()) {
            List<String> key = leak.stack().isEmpty() ? List.of("(" + leak.origin() + ")") : leak.stack();
            groups.computeIfAbsent(key, stack -> new ArrayList<>()).add(leak);
        }
        List<List<Finding>> ordered = new ArrayList<>(groups.values());
        ordered.sort((a, b) -> Integer.compare(b.size(), a.size()));
        for (List<Finding> group : ordered) {
            group(html, group, report.generatedAt());
        }
        html.append("</section>\n");
    }

    private void group(StringBuilder html, List<Finding> group, long now) {
        Finding first = group.get(0);
        String library = TextReport.libraryOf(first);
        boolean allHeld = group.stream().allMatch(Finding::isHeldByPool);
        String frame = frames.nameFrame(first.stack(), first.requestedBy(), library);
        html.append("<div class=\"group").append(allHeld ? " held" : "").append("\" data-leaks=\"").append(group.size())
                .append("\">\n<h3>").append(group.size()).append(group.size() == 1 ? " leak" : " leaks")
                .append(" opened at <code>")
                .append(frame == null ? esc(first.origin() == Origin.UNTRACKED ? "(no stack: opened out of closewait's sight)"
                        : "(no stack: open before the agent attached)") : esc(frame))
                .append("</code>").append(allHeld ? " <span class=\"note\">(held idle by a pool: not the application's)"
                        + "</span>" : "").append("</h3>\n");
        if (!first.stack().isEmpty()) {
            stack(html, "creation stack", first.stack(), library);
        }
        html.append("<table class=\"findings\">\n<tr><th class=\"n\">#</th><th>status</th><th>remote</th><th>local</th>"
                + "<th>thread</th><th>opened</th><th>CLOSE_WAIT since</th><th>what happened</th></tr>\n");
        for (Finding leak : group) {
            html.append("<tr data-id=\"").append(leak.id()).append("\"><td class=\"n\">").append(leak.id())
                    .append("</td><td><span class=\"status ").append(leak.status().name()).append("\">")
                    .append(leak.status().name()).append("</span>").append(leak.atExit() ? " <span class=\"note\">at exit"
                            + "</span>" : "").append("</td><td><code>").append(esc(Peers.text(leak.remote())))
                    .append("</code></td><td><code>").append(leak.local() == null ? "?" : esc(leak.local().toString()))
                    .append("</code></td><td>").append(leak.thread() == null ? "" : "<code class=\"thread\">" + esc(leak.thread()) + "</code>")
                    .append("</td><td>").append(time(leak.openedAt())).append("</td><td>")
                    .append(time(leak.closeWaitSince())).append("</td><td>").append(esc(text.headline(leak, now)));
            details(html, leak, library);
            html.append("</td></tr>\n");
        }
        html.append("</table>\n</div>\n");
    }

    /** What a finding has beyond its row: JDBC, requestedBy, heldBy, borrowedBy, diagnosis. */
    private void details(StringBuilder html, Finding leak, String library) {
        Finding.Jdbc jdbc = leak.jdbc();
        if (jdbc != null) {
            html.append("<div class=\"jdbc\">JDBC <code>").append(esc(jdbc.url())).append("</code> user <code>")
                    .append(esc(jdbc.user())).append("</code> driver <code>").append(esc(jdbc.driver())).append("</code>");
            String story = TextReport.jdbcStory(leak);
            if (story != null) {
                html.append("<br>").append(esc(story));
            }
            html.append("</div>");
        }
        if (leak.heldBy() != null) {
            Finding.HeldBy held = leak.heldBy();
            html.append("<div class=\"heldBy\">held idle by ").append(esc(held.library()))
                    .append(held.name() == null ? "" : " pool <code>" + esc(held.name()) + "</code>")
                    .append(held.idleSince() == Finding.NEVER ? "" : " since " + time(held.idleSince()))
                    .append(": the pool holds it, not the application</div>");
        }
        if (leak.requestedBy() != null) {
            html.append("<div class=\"requestedBy\">");
            stack(html, "requested by (the call that asked for it; the socket was opened on the library's thread)",
                    leak.requestedBy(), library);
            html.append("</div>");
        }
        if (leak.borrowedBy() != null) {
            html.append("<div class=\"borrowedBy\">");
            stack(html, "borrowed from the pool, never returned, at", leak.borrowedBy(), library);
            html.append("</div>");
        }
        if (leak.diagnosis() != null) {
            html.append("<div class=\"diagnosis\"><b>cause:</b> ").append(esc(leak.diagnosis().cause()));
            if (leak.diagnosis().advice() != null) {
                html.append("<br><b>fix:</b> ").append(esc(leak.diagnosis().advice()));
            }
            html.append("</div>");
        }
    }

    private void stack(StringBuilder html, String title, List<String> stack, String library) {
        html.append("<div class=\"note\">").append(esc(title)).append(":</div>\n<ol class=\"stack\">\n");
        int shown = Math.min(stack.size(), MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            String frame = stack.get(i);
            html.append(frames.isApplicationFrame(frame, library) ? "<li class=\"app\">" : "<li>").append(esc(frame))
                    .append("</li>\n");
        }
        if (stack.size() > shown) {
            html.append("<li class=\"more\">... ").append(stack.size() - shown).append(" more</li>\n");
        }
        html.append("</ol>\n");
    }

    /** One small chart per remote, on a time axis shared by all. */
    private static void chart(StringBuilder html, LeakReport report) {
        html.append("<section id=\"chart\">\n<h2>CLOSE_WAIT and FIN_WAIT_2 over time</h2>\n");
        List<RemoteSeries> all = report.series();
        if (all.isEmpty()) {
            html.append("<p class=\"note\">No socket of this JVM was in CLOSE_WAIT or FIN_WAIT_2 at any scan.</p>\n"
                    + "</section>\n");
            return;
        }
        long t0 = Long.MAX_VALUE;
        long t1 = Long.MIN_VALUE;
        for (RemoteSeries series : all) {
            for (long[] point : series.points()) {
                t0 = Math.min(t0, point[0]);
                t1 = Math.max(t1, point[0]);
            }
        }
        html.append("<p class=\"legend\">per remote, one point per scan:<i style=\"background:var(--cw)\"></i>CLOSE_WAIT"
                + "<i style=\"background:var(--fw)\"></i>FIN_WAIT_2</p>\n");
        for (RemoteSeries series : all) {
            if (!series.points().isEmpty()) {
                seriesChart(html, series, t0, t1);
            }
        }
        html.append("</section>\n");
    }

    private static void seriesChart(StringBuilder html, RemoteSeries series, long t0, long t1) {
        long max = 1;
        for (long[] point : series.points()) {
            max = Math.max(max, Math.max(point[1], point[2]));
        }
        int plotWidth = CHART_WIDTH - LEFT - RIGHT;
        int plotHeight = CHART_HEIGHT - TOP - BOTTOM;
        String remote = Peers.text(series.remote());
        StringBuilder data = new StringBuilder("[");
        StringBuilder closeWait = new StringBuilder();
        StringBuilder finWait2 = new StringBuilder();
        for (long[] point : series.points()) {
            double x = t1 == t0 ? LEFT + plotWidth / 2.0 : LEFT + (double) (point[0] - t0) / (t1 - t0) * plotWidth;
            closeWait.append(closeWait.length() == 0 ? "" : " ").append(coordinate(x)).append(',')
                    .append(coordinate(TOP + plotHeight - (double) point[1] / max * plotHeight));
            finWait2.append(finWait2.length() == 0 ? "" : " ").append(coordinate(x)).append(',')
                    .append(coordinate(TOP + plotHeight - (double) point[2] / max * plotHeight));
            data.append(data.length() == 1 ? "" : ",").append('[').append(point[0]).append(',').append(point[1])
                    .append(',').append(point[2]).append(']');
        }
        data.append(']');
        html.append("<figure class=\"chart\" data-remote=\"").append(esc(remote)).append("\">\n<h3><code>")
                .append(esc(remote)).append("</code> <span class=\"readout note\"></span></h3>\n")
                .append("<svg class=\"series\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(CHART_WIDTH)
                .append(' ').append(CHART_HEIGHT).append("\" role=\"img\" aria-label=\"CLOSE_WAIT and FIN_WAIT_2 sockets"
                        + " towards ").append(esc(remote)).append(" over time\" data-t0=\"").append(t0)
                .append("\" data-t1=\"").append(t1).append("\" data-points=\"").append(data).append("\">\n");
        for (int i = 0; i <= 2; i++) {
            long value = Math.round(max * (2 - i) / 2.0);
            // A gridline stands where its value is plotted: the middle one of an odd maximum a little off the middle.
            double y = TOP + plotHeight * (1 - (double) value / max);
            if (i == 1 && max < 2) {
                continue;
            }
            html.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(CHART_WIDTH - RIGHT)
                    .append("\" y1=\"").append(coordinate(y)).append("\" y2=\"").append(coordinate(y)).append("\"/>")
                    .append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(coordinate(y + 4))
                    .append("\" text-anchor=\"end\">").append(value).append("</text>\n");
        }
        html.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" x2=\"").append(CHART_WIDTH - RIGHT)
                .append("\" y1=\"").append(TOP + plotHeight).append("\" y2=\"").append(TOP + plotHeight).append("\"/>\n")
                .append("<text x=\"").append(LEFT).append("\" y=\"").append(CHART_HEIGHT - 8).append("\">")
                .append(Timestamps.timeOfDay(t0)).append("</text>")
                .append("<text x=\"").append(CHART_WIDTH - RIGHT).append("\" y=\"").append(CHART_HEIGHT - 8)
                .append("\" text-anchor=\"end\">").append(Timestamps.timeOfDay(t1)).append("</text>\n")
                .append("<polyline class=\"CLOSE_WAIT\" data-state=\"CLOSE_WAIT\" points=\"").append(closeWait)
                .append("\"/>\n<polyline class=\"FIN_WAIT_2\" data-state=\"FIN_WAIT_2\" points=\"").append(finWait2)
                .append("\"/>\n<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"").append(TOP).append("\" y2=\"")
                .append(TOP + plotHeight).append("\" style=\"display:none\"/>\n</svg>\n</figure>\n");
    }

    private static String coordinate(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static void jdbcFailures(StringBuilder html, LeakReport report) {
        html.append("<section id=\"jdbc\">\n<h2>JDBC connect failures</h2>\n");
        if (report.jdbcConnectFailures().isEmpty()) {
            html.append("<p class=\"note\">No JDBC connect failed.</p>\n</section>\n");
            return;
        }
        html.append("<table>\n<tr><th>URL (secrets masked)</th><th>user</th><th class=\"n\">failures</th>"
                + "<th class=\"n\">driver reconnects</th><th>last at</th><th>last error</th></tr>\n");
        for (JdbcFailure failure : report.jdbcConnectFailures()) {
            html.append("<tr><td><code>").append(esc(failure.url())).append("</code></td><td><code>")
                    .append(esc(failure.user())).append("</code></td><td class=\"n\">").append(failure.count())
                    .append("</td><td class=\"n\">").append(failure.reconnects()).append("</td><td>")
                    .append(time(failure.lastAt())).append("</td><td>")
                    .append(failure.lastError() == null ? "" : esc(String.valueOf(failure.lastError())))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n</section>\n");
    }

    private void portPressure(StringBuilder html, LeakReport report) {
        html.append("<section id=\"portPressure\">\n<h2>Port pressure</h2>\n");
        if (report.portPressure().isEmpty()) {
            html.append("<p class=\"note\">No ports held towards any remote at the last picture.</p>\n</section>\n");
            return;
        }
        html.append("<table>\n<tr><th>remote</th><th class=\"n\">ports in use</th><th class=\"n\">share of the range</th>"
                + "<th class=\"n\">ESTABLISHED</th><th class=\"n\">CLOSE_WAIT</th><th class=\"n\">FIN_WAIT_2</th>"
                + "<th class=\"n\">TIME_WAIT</th><th class=\"n\">opens a minute</th><th>opened most at</th></tr>\n");
        for (PortPressureEntry entry : report.portPressure()) {
            String frame = entry.topStacks().isEmpty() ? null
                    : frames.firstApplicationFrame(entry.topStacks().get(0).stack());
            html.append("<tr><td><code>").append(esc(entry.remote().toString())).append("</code>")
                    .append(entry.warning() == null ? "" : "<div class=\"warn\">" + esc(entry.warning()) + "</div>")
                    .append("</td><td class=\"n\">").append(entry.portsInUse()).append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%.1f %% of %,d", 100 * entry.share(), entry.portRange()))
                    .append("</td><td class=\"n\">").append(entry.established()).append("</td><td class=\"n\">")
                    .append(entry.closeWait()).append("</td><td class=\"n\">").append(entry.finWait2())
                    .append("</td><td class=\"n\">").append(entry.timeWait()).append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%,.1f", entry.opensPerMinute())).append("</td><td>")
                    .append(frame == null ? "" : "<code class=\"frame\">" + esc(frame) + "</code>").append("</td></tr>\n");
        }
        html.append("</table>\n</section>\n");
    }

    private void peers(StringBuilder html, LeakReport report) {
        html.append("<section id=\"peersNotClosing\">\n<h2>Peers not finishing their close (FIN_WAIT_2)</h2>\n");
        if (report.peersNotClosing().isEmpty()) {
            html.append("<p class=\"note\">Every peer finished closing.</p>\n</section>\n");
            return;
        }
        html.append("<table>\n<tr><th>peer</th><th class=\"n\">in FIN_WAIT_2</th><th class=\"n\">half-closed, still"
                + " open</th><th>oldest</th><th>closed by</th><th>opened at</th></tr>\n");
        for (PeerNotClosing peer : report.peersNotClosing()) {
            String closer = peer.closedBy() == null ? null : frames.whoClosed(peer.closedBy(), null);
            String opener = peer.openedBy() == null ? null : frames.firstApplicationFrame(peer.openedBy());
            html.append("<tr><td>").append(peer.accepted() ? "client " : "server ").append("<code>")
                    .append(esc(Peers.text(peer.remote()))).append("</code></td><td class=\"n\">").append(peer.count())
                    .append("</td><td class=\"n\">").append(peer.halfClosed()).append("</td><td>")
                    .append(time(peer.oldestSince())).append(" (")
                    .append(esc(Timestamps.duration(Math.max(0, report.generatedAt() - peer.oldestSince()))))
                    .append(peer.seenBefore() ? ")" : "; seen by the last scan only: maybe a close in progress)")
                    .append("</td><td>").append(closer == null ? "" : esc(closer)).append("</td><td>")
                    .append(opener == null ? "" : "<code class=\"frame\">" + esc(opener) + "</code>").append("</td></tr>\n");
            for (PeerNotClosing.HalfClosed socket : peer.sockets()) {
                String frame = frames.firstApplicationFrame(socket.stack());
                html.append("<tr class=\"halfClosed\"><td colspan=\"3\">#").append(socket.id()).append(" half-closed <code>")
                        .append(esc(String.valueOf(socket.local()))).append("</code></td><td>").append(time(socket.since()))
                        .append("</td><td></td><td>").append(frame == null ? "" : "<code class=\"frame\">" + esc(frame) + "</code>")
                        .append("</td></tr>\n");
            }
        }
        html.append("</table>\n</section>\n");
    }

    private void dropped(StringBuilder html, LeakReport report) {
        if (report.droppedGroups().isEmpty()) {
            return;
        }
        html.append("<section id=\"dropped\">\n<h2>Findings past maxFindings (counted, not listed)</h2>\n<table>\n"
                + "<tr><th class=\"n\">count</th><th>remote</th><th>opened at</th><th>last at</th></tr>\n");
        for (DroppedGroup group : report.droppedGroups()) {
            String frame = frames.firstApplicationFrame(group.stack());
            html.append("<tr><td class=\"n\">").append(group.count()).append("</td><td><code>")
                    .append(group.remote() == null ? "(all others)" : esc(group.remote())).append("</code></td><td>")
                    .append(frame == null ? "" : "<code class=\"frame\">" + esc(frame) + "</code>").append("</td><td>")
                    .append(time(group.lastAt())).append("</td></tr>\n");
        }
        html.append("</table>\n</section>\n");
    }

    private static String time(long epochMillis) {
        return epochMillis == Finding.NEVER ? "" : "<time>" + Timestamps.millis(epochMillis) + "</time>";
    }

    /**
     * {@code text} safe inside an element or a quoted attribute: control characters escaped as
     * {@link TextReport#printable} writes them, then {@code & < > " '} as character references.
     * {@code null} is empty.
     */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        String printable = TextReport.printable(text);
        StringBuilder safe = new StringBuilder(printable.length() + 16);
        for (int i = 0; i < printable.length(); i++) {
            char c = printable.charAt(i);
            switch (c) {
                case '&': safe.append("&amp;"); break;
                case '<': safe.append("&lt;"); break;
                case '>': safe.append("&gt;"); break;
                case '"': safe.append("&quot;"); break;
                case '\'': safe.append("&#39;"); break;
                default: safe.append(c);
            }
        }
        return safe.toString();
    }
}
