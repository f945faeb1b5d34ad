package dev.closewait.agent.report;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.tcp.Endpoint;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's picture sections (peersNotClosing, portPressure, series): written, and read back as written. */
class PictureJsonTest {

    private static final long AT = 1_764_590_400_000L;

    @Test
    void thePictureSectionsReadBackFieldForField() throws Exception {
        String json = write(report());
        assertTrue(json.contains("\"remote\": \"10.0.0.5\""), "an accepted peer is its client host: " + json);
        assertTrue(json.contains("\"share\": 0.625"), json);

        LeakReport read = ReportReader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "r.json")
                .report();
        PeerNotClosing client = read.peersNotClosing().get(1);
        assertTrue(client.accepted());
        assertFalse(client.seenBefore(), "only the last scan saw its rows");
        assertEquals(Endpoint.parse("10.0.0.5:0"), client.remote());
        PeerNotClosing server = read.peersNotClosing().get(0);
        assertEquals(Endpoint.parse("[::1]:8080"), server.remote());
        assertEquals(3, server.count());
        assertEquals(1, server.halfClosed());
        assertEquals(AT - 60_000, server.oldestSince());
        assertTrue(server.seenBefore());
        assertEquals(List.of("a.B.open(B.java:1)"), server.openedBy());
        assertNull(server.closedBy());
        assertEquals(7, server.sockets().get(0).id());
        assertEquals(List.of("a.B.half(B.java:2)"), server.sockets().get(0).stack());

        PortPressureEntry entry = read.portPressure().get(0);
        assertEquals(25, entry.portsInUse());
        assertEquals(24, entry.timeWait());
        assertEquals(40, entry.portRange());
        assertEquals(8.0, entry.opensPerMinute());
        assertEquals(List.of("a.B.churn(B.java:3)"), entry.topStacks().get(0).stack());
        assertEquals("25 of 40 ephemeral ports in use (63 %)", entry.warning());

        RemoteSeries series = read.series().get(0);
        assertEquals(Endpoint.parse("10.0.0.7:5432"), series.remote());
        assertArrayEquals(new long[] {AT, 2, 1}, series.points().get(0));
        assertEquals(json, write(read), "what was read writes the same report");
    }

    @Test
    void thePictureSatisfiesTheDocumentedSchemaAndTheSchemaRefusesWhatItMustNot() throws Exception {
        ReportSchema schema = ReportSchema.load();
        String json = write(report());
        assertEquals(java.util.Set.of(), schema.validate(json));
        assertTrue(!schema.validate(json.replace("\"remote\": \"10.0.0.5\"", "\"remote\": \"host.example\"")).isEmpty(),
                "a peer is an address");
        assertTrue(!schema.validate(json.replace("\"halfClosed\": 1", "\"halfClosed\": -1")).isEmpty());
        assertTrue(!schema.validate(json.replace("\"warning\": \"25", "\"warnings\": \"25")).isEmpty(),
                "no field the schema does not name");
    }

    @Test
    void aReportOfBeforeThePictureReadsWithAnEmptyOne() throws Exception {
        String json = write(LeakReport.builder(1, AT).build())
                .replaceAll(",\\s*\"(peersNotClosing|portPressure|series)\": \\[\\]", "");
        assertTrue(!json.contains("series"), json);
        LeakReport read = ReportReader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "old.json")
                .report();
        assertTrue(read.peersNotClosing().isEmpty() && read.portPressure().isEmpty() && read.series().isEmpty());
    }

    @Test
    void aPeerOfAReportWithoutSeenBeforeReadsAsSeenBefore() throws Exception {
        String json = write(report());
        String old = json.replaceAll(",\\s*\"seenBefore\": (true|false)", "");
        assertTrue(json.contains("\"seenBefore\": false") && !old.contains("seenBefore"), old);
        LeakReport read = ReportReader.read(new ByteArrayInputStream(old.getBytes(StandardCharsets.UTF_8)), "old.json")
                .report();
        assertTrue(read.peersNotClosing().get(1).seenBefore(), "earlier agents named every peer they listed");
        assertRefused(json.replace("\"seenBefore\": false", "\"seenBefore\": \"no\""),
                "peersNotClosing[1].seenBefore is not true or false");
    }

    @Test
    void aMalformedPictureIsRefusedSayingWhere() throws Exception {
        String json = write(report());
        assertRefused(json.replaceFirst("\\[\\s*" + AT + ",\\s*2,\\s*1\\s*]", "[" + AT + ", 2]"),
                "series[0].points[0] is not [epochMillis, closeWait, finWait2]");
        assertRefused(json.replace("\"portsInUse\": 25", "\"portsInUse\": 26"),
                "portPressure[0].portsInUse is not the sum of its states");
        assertRefused(json.replace("\"opensPerMinute\": 8.0,", "\"opensPerMinute\": -1,"),
                "portPressure[0].opensPerMinute is out of range");
    }

    private static void assertRefused(String json, String message) {
        ReportReader.Unreadable refused = assertThrows(ReportReader.Unreadable.class,
                () -> ReportReader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "r.json"));
        assertTrue(refused.getMessage().contains(message), refused.getMessage());
    }

    private static LeakReport report() {
        PeerNotClosing server = new PeerNotClosing(Endpoint.parse("[::1]:8080"), false, 3, 1, AT - 60_000, true,
                List.of("a.B.open(B.java:1)"), null, List.of(new PeerNotClosing.HalfClosed(7,
                Endpoint.parse("[::1]:40000"), AT - 30_000, List.of("a.B.half(B.java:2)"))));
        PeerNotClosing client = new PeerNotClosing(Endpoint.parse("10.0.0.5:0"), true, 2, 0, AT - 1000, false,
                null, List.of("a.B.close(B.java:4)"), List.of());
        PortPressureEntry entry = new PortPressureEntry(Endpoint.parse("10.0.0.7:5432"), 1, 0, 0, 24, 40, 8.0,
                List.of(new PortPressureEntry.TopStack(List.of("a.B.churn(B.java:3)"), 8.0)),
                "25 of 40 ephemeral ports in use (63 %)");
        RemoteSeries series = new RemoteSeries(Endpoint.parse("10.0.0.7:5432"),
                List.of(new long[] {AT, 2, 1}, new long[] {AT + 1000, 0, 0}));
        return LeakReport.builder(42, AT).peersNotClosing(List.of(server, client)).portPressure(List.of(entry))
                .series(List.of(series)).build();
    }

    private static String write(LeakReport report) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(report, out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
