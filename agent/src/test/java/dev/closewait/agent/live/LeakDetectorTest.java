package dev.closewait.agent.live;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakCounts;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.Origin;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeakDetectorTest {

    private static Finding finding(long id, LeakStatus status, Origin origin) throws Exception {
        Endpoint remote = Endpoint.of(InetAddress.getLoopbackAddress(), 5432);
        return Finding.builder(id).status(status).state(TcpState.CLOSE_WAIT).origin(origin)
                .local(Endpoint.of(InetAddress.getLoopbackAddress(), 40000 + (int) id)).remote(remote)
                .openedAt(origin == Origin.BEFORE_ATTACH ? 0 : 1_000).closeWaitSince(2_000)
                .closedAt(status == LeakStatus.CLOSED_LATE ? 3_000 : 0)
                .unreachableAt(status == LeakStatus.RECLAIMED_BY_GC ? 4_000 : 0)
                .thread(origin == Origin.BEFORE_ATTACH ? null : "main")
                .stack(origin == Origin.BEFORE_ATTACH ? List.of() : List.of("com.example.Dao.open(Dao.java:1)"))
                .build();
    }

    @Test
    void attributesAreTheCountersAndOperationsRenderTheReport() throws Exception {
        LeakReport report = new LeakReport(42, 10_000, 9, 4, 1000, List.of(
                finding(1, LeakStatus.OPEN, Origin.BEFORE_ATTACH),
                finding(2, LeakStatus.OPEN, Origin.CONNECT)));
        int[] byStatus = new int[LeakStatus.values().length];
        byStatus[LeakStatus.OPEN.ordinal()] = 2;
        byStatus[LeakStatus.CLOSED_LATE.ordinal()] = 3;
        byStatus[LeakStatus.RECLAIMED_BY_GC.ordinal()] = 5;
        byStatus[LeakStatus.ORPHANED.ordinal()] = 7;
        int[] reportsMade = new int[1];
        LeakDetector detector = new LeakDetector("9.9", () -> {
            reportsMade[0]++;
            return report;
        }, () -> new LeakCounts(19, 11, 17, byStatus, 1, 13, 1234, 6), () -> "interval=5s", () -> dev.closewait.agent.report.TextReport.DEFAULT, options -> "refused");
        assertEquals(19, detector.getTracked());
        assertEquals(11, detector.getOpen());
        assertEquals(17, detector.getLeaks());
        assertEquals(2, detector.getOpenLeaks());
        assertEquals(3, detector.getClosedLateLeaks());
        assertEquals(5, detector.getReclaimedByGcLeaks());
        assertEquals(7, detector.getOrphanedLeaks());
        assertEquals(1, detector.getBeforeAttachLeaks());
        assertEquals(13, detector.getIgnoredLeaks());
        assertEquals(1234, detector.getDroppedLeaks());
        assertEquals(6, detector.getJdbcConnectFailures());
        assertEquals(0, reportsMade[0], "no attribute makes a report: they read counters");
        String json = detector.jsonReport();
        assertTrue(json.contains("\"pid\": 42"), json);
        String text = detector.textReport();
        assertTrue(text.lines().skip(1).findFirst().orElse("").contains("sockets open before closewait attached"), text);
        assertTrue(text.contains("com.example.Dao.open(Dao.java:1)"), text);
        assertEquals(2, reportsMade[0]);
    }
}
