package dev.closewait.agent.live;

import dev.closewait.agent.detect.Finding;
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
    void attributesCountTheReportsFindingsByStatusAndOrigin() throws Exception {
        LeakReport report = new LeakReport(42, 10_000, 9, 4, 1000, List.of(
                finding(1, LeakStatus.OPEN, Origin.BEFORE_ATTACH),
                finding(2, LeakStatus.OPEN, Origin.CONNECT),
                finding(3, LeakStatus.CLOSED_LATE, Origin.ACCEPT),
                finding(4, LeakStatus.RECLAIMED_BY_GC, Origin.CONNECT)));
        LeakDetector detector = new LeakDetector("9.9", () -> report, () -> "interval=5s", options -> "applied " + options);
        assertEquals(9, detector.getTracked());
        assertEquals(4, detector.getOpen());
        assertEquals(4, detector.getLeaks());
        assertEquals(2, detector.getOpenLeaks());
        assertEquals(1, detector.getClosedLateLeaks());
        assertEquals(1, detector.getReclaimedByGcLeaks());
        assertEquals(0, detector.getOrphanedLeaks());
        assertEquals(1, detector.getBeforeAttachLeaks());
        assertEquals("9.9", detector.getVersion());
        assertEquals("applied grace=1s", detector.configure("grace=1s"));
        assertTrue(detector.jsonReport().contains("\"pid\": 42"), detector.jsonReport());
        String text = detector.textReport();
        assertTrue(text.lines().skip(1).findFirst().orElse("").contains("sockets open before closewait attached"), text);
        assertTrue(text.contains("com.example.Dao.open(Dao.java:1)"), text);
    }
}
