package dev.closewait.agent.report;

import dev.closewait.agent.testing.TestFindings;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.Origin;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.closewait.agent.testing.TestFindings.at;
import static dev.closewait.agent.testing.TestFindings.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextReportTest {

    private static final long NOW = at("2026-11-21T10:14:19.800Z");

    @Test
    void findingShowsRemoteLocalOriginThreadTimesAndMarkedStack() {
        String text = TextReport.DEFAULT.finding(TestFindings.open(), NOW);

        assertEquals(""
                + "[closewait] LEAK #17: peer closed the connection at least 12.3 s ago (CLOSE_WAIT), the application never"
                + " closed the socket\n"
                + "    remote 127.0.0.1:1433   local 127.0.0.1:51234   origin CONNECT   state CLOSE_WAIT\n"
                + "    opened by thread \"http-worker-3\" at 2026-11-21T10:14:02.120Z\n"
                + "    in CLOSE_WAIT since 2026-11-21T10:14:07.500Z\n"
                + "    opened at:\n"
                + "       java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)\n"
                + "       java.base/java.net.Socket.connect(Socket.java:633)\n"
                + "       com.microsoft.sqlserver.jdbc.SocketFinder.getSocketByAddress(IOBuffer.java:3050)\n"
                + "    => com.example.OrderDao.load(OrderDao.java:42)\n"
                + "    => com.example.OrderService.find(OrderService.java:17)\n"
                + "       java.base/java.lang.Thread.run(Thread.java:840)\n", text);
    }

    @Test
    void findingMarksOnlyApplicationFramesWithAnArrow() {
        Finding finding = withStack(List.of(
                "java.net.Socket.connect(Socket.java:583)",
                "javax.net.ssl.SSLSocketFactory.createSocket(SSLSocketFactory.java:1)",
                "jdk.internal.net.http.PlainHttpConnection.connect(PlainHttpConnection.java:1)",
                "sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:1)",
                "com.sun.jndi.ldap.Connection.createSocket(Connection.java:1)",
                "java.sql/java.sql.DriverManager.getConnection(DriverManager.java:681)",
                "app//com.example.Repo.open(Repo.java:5)",
                "org.example.Main.main(Main.java:3)"));

        List<String> stackLines = stackLines(TextReport.DEFAULT.finding(finding, NOW));

        assertEquals(List.of(
                "       java.net.Socket.connect(Socket.java:583)",
                "       javax.net.ssl.SSLSocketFactory.createSocket(SSLSocketFactory.java:1)",
                "       jdk.internal.net.http.PlainHttpConnection.connect(PlainHttpConnection.java:1)",
                "       sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:1)",
                "       com.sun.jndi.ldap.Connection.createSocket(Connection.java:1)",
                "       java.sql/java.sql.DriverManager.getConnection(DriverManager.java:681)",
                "    => app//com.example.Repo.open(Repo.java:5)",
                "    => org.example.Main.main(Main.java:3)"), stackLines);
    }

    @Test
    void findingShowsAtMostFortyFramesAndCountsTheRest() {
        List<String> stack = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            stack.add("com.example.Deep.level" + i + "(Deep.java:" + i + ")");
        }

        String text = TextReport.DEFAULT.finding(withStack(stack), NOW);

        assertTrue(text.contains("    => com.example.Deep.level39(Deep.java:39)\n"), text);
        assertFalse(text.contains("level40"), text);
        assertTrue(text.endsWith("       ... 5 more\n"), text);
    }

    @Test
    void findingOfASocketOpenedBeforeAttachSaysThereIsNoStackOrThread() {
        String text = TextReport.DEFAULT.finding(TestFindings.beforeAttach(), at("2026-11-21T10:05:20Z"));

        assertTrue(text.contains("origin BEFORE_ATTACH"), text);
        assertTrue(text.contains("(no creation stack: the socket was open before the agent attached)"), text);
        assertFalse(text.contains("opened by thread"), text);
        assertFalse(text.contains("opened at:"), text);
        assertTrue(text.contains("20.0 s ago"), text);
    }

    @Test
    void findingShowsQuestionMarksForAnUnknownLocalEndpointAndState() {
        Finding finding = Finding.builder(3).status(LeakStatus.OPEN).origin(Origin.CONNECT)
                .remote(endpoint("10.0.0.5", 5432)).openedAt(at("2026-11-21T10:00:00Z"))
                .closeWaitSince(at("2026-11-21T10:00:01Z")).thread("t").stack(List.of()).build();

        String text = TextReport.DEFAULT.finding(finding, at("2026-11-21T10:00:02Z"));

        assertTrue(text.contains("remote 10.0.0.5:5432   local ?   origin CONNECT   state ?\n"), text);
    }

    @Test
    void openHeadlineSaysThePeerClosedItIsInCloseWaitAndTheApplicationNeverClosedIt() {
        String headline = TextReport.DEFAULT.headline(TestFindings.open(), NOW);

        assertTrue(headline.contains("CLOSE_WAIT"), headline);
        assertTrue(headline.contains("never closed"), headline);
        assertTrue(headline.contains("peer closed"), headline);
        assertTrue(headline.contains("12.3 s ago"), headline); // 10:14:19.800 - 10:14:07.500
    }

    @Test
    void closedLateHeadlineSaysHowLongAfterCloseWaitItWasClosedAndByWhomWhenKnown() {
        String headline = TextReport.DEFAULT.headline(TestFindings.closedLate(), NOW);

        assertEquals("the socket was closed only after 90.0 s in CLOSE_WAIT", headline,
                "not known who closed it: no claim that the application did");
        Finding byPool = TestFindings.closedLate().toBuilder().closedBy(List.of(
                "java.base/java.net.Socket.close(Socket.java:1)",
                "com.zaxxer.hikari.pool.PoolBase.quietlyCloseConnection(PoolBase.java:1)")).build();
        assertEquals("the connection pool (HikariCP) closed the socket only after 90.0 s in CLOSE_WAIT",
                TextReport.DEFAULT.headline(byPool, NOW));
    }

    @Test
    void reclaimedHeadlineSaysTheGarbageCollectorReleasedIt() {
        String headline = TextReport.DEFAULT.headline(TestFindings.reclaimed(), NOW);

        assertTrue(headline.contains("never closed by the application"), headline);
        assertTrue(headline.contains("garbage collector"), headline);
        assertTrue(headline.contains("(12.5 s)"), headline); // unreachable 10:00:22.500 - CLOSE_WAIT 10:00:10
    }

    @Test
    void orphanedHeadlineSaysTheDescriptorIsStillHeldWithoutCleaner() {
        String headline = TextReport.DEFAULT.headline(TestFindings.orphaned(), NOW);

        assertTrue(headline.contains("never closed"), headline);
        assertTrue(headline.contains("no longer reachable"), headline);
        assertTrue(headline.contains("descriptor is still held"), headline);
        assertTrue(headline.contains("no cleaner"), headline);
    }

    @Test
    void statusChangeNamesTheLeakItsRemoteAndNewStatus() {
        String line = TextReport.DEFAULT.statusChange(TestFindings.closedLate(), NOW);

        assertEquals("[closewait] LEAK #18 ([::1]:52346) is now CLOSED_LATE: the socket was closed only"
                + " after 90.0 s in CLOSE_WAIT\n", line);
    }

    @Test
    void summaryCountsLeaksPerStatusAndListsTheFirstApplicationFrameOfEach() {
        LeakReport report = new LeakReport(4242, NOW, 12, 9, 10_000, Arrays.asList(
                TestFindings.open(), TestFindings.orphaned(), TestFindings.closedLate(), TestFindings.beforeAttach(),
                TestFindings.reclaimed()));

        String text = TextReport.DEFAULT.summary(report, "/tmp/leaks.json");
        String[] lines = text.split("\n", -1);

        assertEquals("[closewait] summary: 12 sockets tracked, 9 open now, 5 leaks (2 OPEN, 1 CLOSED_LATE,"
                + " 1 RECLAIMED_BY_GC, 1 ORPHANED); report: /tmp/leaks.json", lines[0]);
        assertEquals(7, lines.length, text); // headline, four leaks, the pre-attach count, the empty rest
        assertEquals("[closewait]   #17    OPEN            127.0.0.1:1433         "
                + "com.example.OrderDao.load(OrderDao.java:42)", lines[1], "the driver's frames are not the application's");
        assertEquals("[closewait]   #20    ORPHANED        10.0.0.5:5432          "
                + "com.example.NioClient.open(NioClient.java:12)", lines[2]);
        assertTrue(lines[3].startsWith("[closewait]   #18    CLOSED_LATE     [::1]:52346"), lines[3]);
        assertTrue(lines[4].startsWith("[closewait]   #19    RECLAIMED_BY_GC 10.0.0.5:5432"), lines[4]);
        assertEquals("[closewait]   and 1 leak among sockets open before the agent attached", lines[5],
                "sockets without a stack are counted, not listed one by one");
        assertEquals("", lines[6]);
    }

    @Test
    void summaryOfACleanRunHasNoStatusCountsAndNoReportLocationWhenThereIsNone() {
        LeakReport report = new LeakReport(4242, NOW, 3, 1, 10_000, List.of());

        assertEquals("[closewait] summary: 3 sockets tracked, 1 open now, 0 leaks\n", TextReport.DEFAULT.summary(report, null));
    }

    @Test
    void summaryNamesThePeersSeenNotClosingByTwoScansAndNotThoseOnlyTheLastScanSaw() {
        LeakReport report = LeakReport.builder(4242, NOW).tracked(3).peersNotClosing(List.of(
                new PeerNotClosing(endpoint("10.0.0.7", 8080), false, 2, 0, NOW - 30_000, true, null, null, List.of()),
                new PeerNotClosing(endpoint("10.0.0.8", 5432), false, 1, 0, NOW, false, null, null, List.of()))).build();

        String text = TextReport.DEFAULT.summary(report, null);

        assertTrue(text.contains("[closewait] peer 10.0.0.7:8080 does not finish closing: 2 connections this JVM closed"
                + " are in FIN_WAIT_2 (oldest 30.0 s)"), text);
        assertFalse(text.contains("10.0.0.8"), "a row the last scan alone saw is as likely a close in progress: " + text);
        assertEquals(text, TextReport.DEFAULT.full(report).substring(TextReport.DEFAULT.full(report).indexOf("[closewait] summary")),
                "the full report's summary is the same");
    }

    @Test
    void summarySaysLeakInTheSingular() {
        LeakReport report = new LeakReport(4242, NOW, 2, 1, 10_000, List.of(TestFindings.open()));

        String headline = TextReport.DEFAULT.summary(report, null).split("\n")[0];

        assertEquals("[closewait] summary: 2 sockets tracked, 1 open now, 1 leak (1 OPEN)", headline);
    }

    @Test
    void checkLineOfAConnectionBorrowedAndNeverReturnedNamesTheBorrowerNotWhereThePoolOpenedIt() {
        Finding borrowed = withStack(List.of("java.base/java.net.Socket.connect(Socket.java:1)",
                "org.postgresql.core.PGStream.<init>(PGStream.java:1)",
                "com.zaxxer.hikari.HikariDataSource.<init>(HikariDataSource.java:1)",
                "com.example.Config.reportsPool(Config.java:12)")).toBuilder()
                .borrowedBy(List.of("com.zaxxer.hikari.pool.PoolEntry.createProxyConnection(PoolEntry.java:1)",
                        "com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:1)",
                        "com.example.ReportExport.begin(ReportExport.java:30)")).build();

        String line = TextReport.DEFAULT.checkLine(borrowed);

        assertTrue(line.endsWith("com.example.ReportExport.begin(ReportExport.java:30)"), line);
        assertTrue(TextReport.DEFAULT.checkLine(withStack(List.of("com.example.Config.reportsPool(Config.java:12)")))
                .endsWith("com.example.Config.reportsPool(Config.java:12)"), "no borrow: the creation stack's frame");
    }

    private static Finding withStack(List<String> stack) {
        return Finding.builder(5).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT).origin(Origin.CONNECT)
                .local(endpoint("127.0.0.1", 40000)).remote(endpoint("127.0.0.1", 5432))
                .openedAt(at("2026-11-21T10:00:00Z")).closeWaitSince(at("2026-11-21T10:00:01Z")).thread("main")
                .stack(stack).build();
    }

    private static List<String> stackLines(String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
        int start = lines.indexOf("    opened at:");
        return lines.subList(start + 1, lines.size());
    }

    @Test
    void repeatLineNamesTheLeakWhoseStackWasAlreadyPrinted() {
        dev.closewait.agent.detect.Finding leak = TestFindings.open();
        String line = TextReport.DEFAULT.repeat(leak, 3, leak.closeWaitSince() + 12_000);
        assertTrue(line.startsWith("[closewait] LEAK #17: "), line);
        assertTrue(line.contains("same stack as LEAK #3"), line);
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        assertTrue(line.contains(leak.remote().toString()), line);
    }

    @Test
    void aThreadNameOrFrameCannotForgeALineOrMoveTheCursor() {
        Finding forged = TestFindings.open().toBuilder()
                .thread("worker\n[closewait] summary: 0 sockets tracked, 0 open now, 0 leaks\u001b[2J")
                .stack(List.of("com.example.Evil.run(Evil.java:1)\r\u202eexe.txt", "java.base/java.lang.Thread.run(Thread.java:840)"))
                .build();
        String block = TextReport.DEFAULT.finding(forged, TestFindings.at("2026-11-21T10:15:30Z"));
        assertEquals(List.of(), block.lines().filter(line -> line.startsWith("[closewait] summary")).toList(),
                "no line of its own: " + block);
        assertTrue(block.contains("worker\\n[closewait] summary"), block);
        assertTrue(block.contains("\\u001b[2J"), block);
        assertTrue(block.contains("Evil.java:1)\\r\\u202eexe.txt"), block);
        assertTrue(block.chars().noneMatch(c -> c == 0x1b || c == '\r' || c == 0x202e), block);
        String summary = TextReport.DEFAULT.summary(new LeakReport(1, 0, 1, 1, 1000, List.of(forged)), null);
        assertTrue(summary.chars().noneMatch(c -> c == 0x1b || c == '\r' || c == 0x202e), summary);
    }

    @Test
    void printableLeavesOrdinaryTextAloneAndEscapesTheRest() {
        String plain = "Login failed for user 'app'. ClientConnectionId:5ec0a73c — é ü 中";
        assertSame(plain, TextReport.printable(plain));
        assertEquals("a\\tb\\u0007c\\u2028d\\u0085", TextReport.printable("a\tb\u0007c\u2028d\u0085"));
        assertEquals("null", TextReport.printable(null));
    }

    @Test
    void aThreadNameIsQuotedSoThatItsOwnQuotesCannotEndIt() {
        assertEquals("\"http-worker-3\"", TextReport.quoted("http-worker-3"));
        assertEquals("\"a\\\" at b\\\\n\\n\"", TextReport.quoted("a\" at b\\n\n"));
        assertEquals("null", TextReport.quoted(null));
        Finding named = TestFindings.open().toBuilder().thread("pool-1\" at 2026-01-01T00:00:00Z").build();
        String block = TextReport.DEFAULT.finding(named, TestFindings.at("2026-11-21T10:15:30Z"));
        assertTrue(block.contains("opened by thread \"pool-1\\\" at 2026-01-01T00:00:00Z\" at "), block);
        String repeat = TextReport.DEFAULT.repeat(named, 3, TestFindings.at("2026-11-21T10:15:30Z"));
        assertTrue(repeat.contains("thread \"pool-1\\\" at 2026-01-01T00:00:00Z\"; opened at"), repeat);
    }

    @Test
    void anOpenSocketsJdbcUrlAndUserCannotForgeALine() {
        Finding socket = TestFindings.open().toBuilder().thread("t\"1").jdbc(new Finding.Jdbc(
                "jdbc:postgresql://db/x\n[closewait] forged", "app\r\n[closewait] forged", "org.postgresql.Driver",
                Finding.NEVER, Finding.NEVER, null)).build();
        String block = TextReport.DEFAULT.openSocket(socket);
        assertEquals(List.of(), block.lines().filter(line -> line.startsWith("[closewait]")).toList(), block);
        assertTrue(block.contains("jdbc:postgresql://db/x\\n[closewait] forged   user app\\r\\n[closewait] forged"), block);
        assertTrue(block.contains("opened by thread \"t\\\"1\""), block);
    }

    @Test
    void aPoolsLibraryAndTheReportsPathCannotForgeALineOrMoveTheCursor() {
        Finding held = TestFindings.open().toBuilder().heldBy(new Finding.HeldBy("HikariCP\u001b[2J\n[closewait] forged",
                "pool-1", TestFindings.at("2026-11-21T10:14:00Z"))).build();
        String check = TextReport.DEFAULT.checkLine(held);
        String block = TextReport.DEFAULT.finding(held, TestFindings.at("2026-11-21T10:15:30Z"));
        String summary = TextReport.DEFAULT.summary(new LeakReport(1, 0, 1, 1, 1000, List.of(held)),
                "/tmp/e\n[closewait] summary: 0 leaks\u001b[31m/r.json");
        for (String text : List.of(check, block, summary)) {
            assertTrue(text.chars().noneMatch(c -> c == 0x1b), text);
            assertEquals(List.of(), text.lines().filter(line -> line.startsWith("[closewait] forged")
                    || line.startsWith("[closewait] summary: 0 leaks")).toList(), text);
        }
        assertTrue(check.contains("held idle by HikariCP\\u001b[2J\\n[closewait] forged"), check);
        assertTrue(summary.contains("report: /tmp/e\\n[closewait] summary: 0 leaks\\u001b[31m/r.json"), summary);
    }
}
