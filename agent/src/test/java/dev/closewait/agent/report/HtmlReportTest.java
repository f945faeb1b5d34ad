package dev.closewait.agent.report;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.testing.TestFindings;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.track.JdbcFailure;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML page of a report: what it shows, and that nothing in a report can become markup or a request. */
class HtmlReportTest {

    private static final long AT = TestFindings.at("2026-11-21T10:15:30Z");
    private static final String URL = "jdbc:sqlserver://db:1433;databaseName=shop;password=****";

    @Test
    void showsTheSummaryTheLeaksByStackTheChartJdbcPortPressureAndPeers() throws Exception {
        String page = page(report(), AppFrames.DEFAULT);

        assertTrue(page.startsWith("<!DOCTYPE html>"), page);
        assertEquals("3", count(page, "tracked"));
        assertEquals("4", count(page, "leaks"));
        assertEquals("3", count(page, "status-OPEN"));
        assertEquals("1", count(page, "status-CLOSED_LATE"));
        assertEquals("1", count(page, "heldByPools"));
        assertEquals("5", count(page, "dropped"));
        assertEquals("2", count(page, "ignored"));

        // leaks 17, 18 and the pool's share the design's stack: one group of three, the largest first
        int group = page.indexOf("<div class=\"group\" data-leaks=\"3\">");
        assertTrue(group > 0, page);
        assertTrue(page.indexOf("data-leaks=\"1\"") > group, "the largest group comes first");
        assertTrue(page.contains("3 leaks opened at <code>com.example.OrderDao.load(OrderDao.java:42)</code>"), page);
        assertTrue(page.contains("<li class=\"app\">com.example.OrderDao.load(OrderDao.java:42)</li>"), page);
        assertTrue(page.contains("<li>com.microsoft.sqlserver.jdbc.SocketFinder.getSocketByAddress(IOBuffer.java:3050)</li>"),
                "the driver's frame is not the application's: " + page);
        assertTrue(page.contains("held idle by HikariCP pool <code>HikariPool-1</code>"), page);
        assertTrue(page.contains("<b>cause:</b> the server closed idle connections"), page);
        assertTrue(page.contains("<b>fix:</b> set maxLifetime"), page);
        assertTrue(page.contains("requested by (the call that asked for it"), page);
        assertTrue(page.contains("<li class=\"app\">com.example.Checkout.pay(Checkout.java:9)</li>"), page);
        assertTrue(page.contains("JDBC <code>" + URL + "</code> user <code>app</code>"), page);

        // the chart: one figure per remote, two polylines of as many points as the series has
        Matcher figure = Pattern.compile("<figure class=\"chart\" data-remote=\"([^\"]*)\"").matcher(page);
        assertTrue(figure.find());
        assertEquals("10.0.0.7:5432", figure.group(1));
        assertTrue(figure.find());
        assertEquals("[::1]:8080", figure.group(1));
        assertFalse(figure.find());
        assertEquals(List.of(3, 3, 1, 1), polylinePoints(page));
        assertTrue(page.contains("data-points=\"[[" + AT + ",2,0],[" + (AT + 5000) + ",3,1],[" + (AT + 10000) + ",1,1]]\""),
                page);

        assertTrue(page.contains("<td><code>" + URL + "</code></td><td><code>app</code></td><td class=\"n\">4</td>"), page);
        assertTrue(page.contains("Login failed for user &#39;app&#39;."), page);
        assertTrue(page.contains("<div class=\"warn\">25 of 40 ephemeral ports in use (63 %)</div>"), page);
        assertTrue(page.contains("<code class=\"frame\">a.B.churn(B.java:3)</code>"), page);
        assertTrue(page.contains("server <code>[::1]:8080</code>"), page);
        assertTrue(page.contains("client <code>10.0.0.5</code>"), page);
        assertTrue(page.contains(" s; seen by the last scan only: maybe a close in progress)</td>"), page);
        assertEquals(1, page.split("seen by the last scan only", -1).length - 1, "the server was seen by an earlier scan too");
        assertTrue(page.contains("#7 half-closed <code>[::1]:40000</code>"), page);
    }

    @Test
    void loadsNothingFromAnywhere() throws Exception {
        String page = page(report(), AppFrames.DEFAULT);
        assertTrue(page.contains("content=\"default-src 'none';"), "a policy that forbids every request: " + page);
        assertFalse(Pattern.compile("(?i)\\b(src|href)\\s*=").matcher(page).find(), "no src= or href=: " + page);
        assertFalse(page.contains("url("), "no CSS url(): " + page);
        assertFalse(page.contains("@import"), page);
        assertEquals(1, occurrences(page, "<script"), "one script, the page's own");
    }

    @Test
    void hostileThreadNamesFramesAndRemotesAreEscapedNeverMarkup() throws Exception {
        String hostile = "<script>alert(1)</script>\"'&\n[closewait] LEAK #1 forged\u001b[31m\u202e";
        Finding leak = Finding.builder(1).status(dev.closewait.agent.detect.LeakStatus.OPEN)
                .state(dev.closewait.agent.tcp.TcpState.CLOSE_WAIT).origin(dev.closewait.agent.track.Origin.CONNECT)
                .local(TestFindings.endpoint("127.0.0.1", 50000)).remote(TestFindings.endpoint("127.0.0.1", 1433))
                .openedAt(AT - 20_000).closeWaitSince(AT - 15_000).thread(hostile)
                .stack(List.of("com.evil.X.<init>(" + hostile + ")", "com.evil.Y.run(Y.java:1)"))
                .jdbc(new Finding.Jdbc("jdbc:x://h/<img onerror=alert(1)>", hostile, "<b>d</b>", Finding.NEVER,
                        Finding.NEVER, new JdbcError(1, "S1", hostile)))
                .diagnosis(new Finding.Diagnosis(hostile, hostile)).build();
        LeakReport report = LeakReport.builder(7, AT).tracked(1).open(1).leaks(List.of(leak))
                .jdbcConnectFailures(List.of(new JdbcFailure("jdbc:x://h/</code><script>", hostile, 1, 0,
                        new JdbcError(1, "S1", hostile), AT)))
                .build();

        String page = page(report, AppFrames.DEFAULT);

        assertEquals(1, occurrences(page, "<script"), page);
        assertFalse(page.contains("<img"), page);
        assertFalse(page.contains("<b>d</b>"), page);
        assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\\n[closewait] LEAK #1 forged"
                + "\\u001b[31m\\u202e"), page);
        assertFalse(page.contains("\u001b"), "no raw escape character");
        assertFalse(page.contains("\u202e"), "no raw bidirectional override");
        assertFalse(page.contains("\n[closewait] LEAK #1 forged"), "a newline of a name is written as \\n");
        assertTrue(page.contains("<li class=\"app\">com.evil.X.&lt;init&gt;(&lt;script&gt;"), page);
    }

    @Test
    void aGridlineStandsWhereItsValueIsPlottedAlsoForAnOddMaximum() throws Exception {
        RemoteSeries odd = new RemoteSeries(Endpoint.parse("10.0.0.9:5432"),
                List.of(new long[] {AT, 3, 0}, new long[] {AT + 5000, 5, 0}));
        String page = page(LeakReport.builder(4242, AT + 10_000).series(List.of(odd)).build(), AppFrames.DEFAULT);

        Matcher grid = Pattern.compile("<line class=\"grid\" [^>]*y1=\"([^\"]+)\"[^>]*/><text [^>]*>3</text>")
                .matcher(page);
        assertTrue(grid.find(), "a gridline labelled 3 (the rounded middle of 5): " + page);
        Matcher line = Pattern.compile("<polyline [^>]*points=\"([^\"]*)\"").matcher(page);
        assertTrue(line.find(), page);
        String firstPointY = line.group(1).trim().split(" ")[0].split(",")[1];
        assertEquals(firstPointY, grid.group(1), "the value 3 is plotted on the gridline labelled 3");
    }

    @Test
    void theOptionAppDecidesWhichFramesAreHighlighted() throws Exception {
        String page = page(report(), AppFrames.of(List.of("com.example.OrderService")));
        assertTrue(page.contains("<li class=\"app\">com.example.OrderService.find(OrderService.java:17)</li>"), page);
        assertTrue(page.contains("<li>com.example.OrderDao.load(OrderDao.java:42)</li>"), page);
    }

    @Test
    void anEmptyReportIsAPageThatSaysSo() throws Exception {
        String page = page(LeakReport.builder(1, AT).build(), AppFrames.DEFAULT);
        assertTrue(page.contains("No leak listed."), page);
        assertTrue(page.contains("No socket of this JVM was in CLOSE_WAIT or FIN_WAIT_2 at any scan."), page);
        assertTrue(page.contains("No JDBC connect failed."), page);
        assertTrue(page.endsWith("</html>\n"), page);
    }

    /** The page of {@code report} as the agent and the CLI make it: from its JSON, read back. */
    static String page(LeakReport report, AppFrames frames) throws Exception {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(report, json);
        ReportReader.Read read = ReportReader.read(new ByteArrayInputStream(json.toByteArray()), "r.json");
        ByteArrayOutputStream html = new ByteArrayOutputStream();
        new HtmlReport(frames).write(read, html);
        return html.toString(StandardCharsets.UTF_8);
    }

    private static LeakReport report() throws IOException {
        Finding jdbc = TestFindings.open().toBuilder()
                .jdbc(new Finding.Jdbc(URL, "app", "com.microsoft.sqlserver.jdbc.SQLServerDriver", Finding.NEVER,
                        Finding.NEVER, new JdbcError(18456, "S0001", "Login failed for user 'app'.")))
                .build();
        Finding held = Finding.builder(30).status(dev.closewait.agent.detect.LeakStatus.OPEN)
                .state(dev.closewait.agent.tcp.TcpState.CLOSE_WAIT).origin(dev.closewait.agent.track.Origin.CONNECT)
                .local(TestFindings.endpoint("127.0.0.1", 51240)).remote(TestFindings.endpoint("127.0.0.1", 1433))
                .openedAt(AT - 60_000).closeWaitSince(AT - 30_000).thread("HikariPool-1 connection adder")
                .stack(TestFindings.STACK).heldBy(new Finding.HeldBy("HikariCP", "HikariPool-1", AT - 40_000))
                .diagnosis(new Finding.Diagnosis("the server closed idle connections before the pool retired them",
                        "set maxLifetime below the server's idle timeout")).build();
        Finding requested = Finding.builder(31).status(dev.closewait.agent.detect.LeakStatus.OPEN)
                .state(dev.closewait.agent.tcp.TcpState.CLOSE_WAIT).origin(dev.closewait.agent.track.Origin.CONNECT)
                .local(TestFindings.endpoint("127.0.0.1", 51241)).remote(TestFindings.endpoint("127.0.0.1", 8080))
                .openedAt(AT - 20_000).closeWaitSince(AT - 15_000).thread("nioEventLoopGroup-2-1")
                .stack(List.of("java.base/sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:800)",
                        "io.netty.channel.socket.nio.NioSocketChannel.doConnect(NioSocketChannel.java:1)"))
                .requestedBy(List.of("io.netty.bootstrap.Bootstrap.connect(Bootstrap.java:1)",
                        "com.example.Checkout.pay(Checkout.java:9)")).build();
        PeerNotClosing server = new PeerNotClosing(Endpoint.parse("[::1]:8080"), false, 3, 1, AT - 60_000, true,
                List.of("a.B.open(B.java:1)"), null, List.of(new PeerNotClosing.HalfClosed(7,
                Endpoint.parse("[::1]:40000"), AT - 30_000, List.of("a.B.half(B.java:2)"))));
        PeerNotClosing client = new PeerNotClosing(Endpoint.parse("10.0.0.5:0"), true, 2, 0, AT - 1000, false,
                null, List.of("a.B.close(B.java:4)"), List.of());
        PortPressureEntry entry = new PortPressureEntry(Endpoint.parse("10.0.0.7:5432"), 1, 0, 0, 24, 40, 8.0,
                List.of(new PortPressureEntry.TopStack(List.of("a.B.churn(B.java:3)"), 8.0)),
                "25 of 40 ephemeral ports in use (63 %)");
        RemoteSeries database = new RemoteSeries(Endpoint.parse("10.0.0.7:5432"),
                List.of(new long[] {AT, 2, 0}, new long[] {AT + 5000, 3, 1}, new long[] {AT + 10000, 1, 1}));
        RemoteSeries service = new RemoteSeries(Endpoint.parse("[::1]:8080"), List.of(new long[] {AT + 5000, 0, 3}));
        return LeakReport.builder(4242, AT + 10_000).tracked(3).open(2).graceMillis(10_000)
                .leaks(List.of(jdbc, TestFindings.closedLate(), held, requested))
                .jdbcConnectFailures(List.of(new JdbcFailure(URL, "app", 4, 1,
                        new JdbcError(18456, "S0001", "Login failed for user 'app'."), AT)))
                .ignored(2)
                .dropped(5, List.of(new dev.closewait.agent.detect.DroppedGroup(TestFindings.STACK, "127.0.0.1:1433", 5, AT)))
                .peersNotClosing(List.of(server, client)).portPressure(List.of(entry))
                .series(List.of(database, service)).build();
    }

    /** The count of a summary card. */
    private static String count(String page, String name) {
        Matcher card = Pattern.compile("data-count=\"" + name + "\"><b>(\\d+)</b>").matcher(page);
        assertTrue(card.find(), "no card " + name + ": " + page);
        return card.group(1);
    }

    /** The number of points of each polyline, in page order. */
    private static List<Integer> polylinePoints(String page) {
        List<Integer> counts = new java.util.ArrayList<>();
        Matcher polyline = Pattern.compile("<polyline [^>]*points=\"([^\"]*)\"").matcher(page);
        while (polyline.find()) {
            counts.add(polyline.group(1).trim().split(" ").length);
        }
        return counts;
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
