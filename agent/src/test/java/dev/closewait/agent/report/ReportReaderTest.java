package dev.closewait.agent.report;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.testing.TestFindings;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.track.JdbcFailure;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader takes back what the writer wrote, and refuses what it cannot trust. */
class ReportReaderTest {

    private static final JdbcError LOGIN = new JdbcError(18456, "S0001", "Login failed for user 'app'.");

    private static LeakReport sample() {
        Finding viaJdbc = TestFindings.open().toBuilder().jdbc(new Finding.Jdbc("jdbc:sqlserver://db:1433;password=****",
                "app", "com.microsoft.sqlserver.jdbc.SQLServerDriver", TestFindings.at("2026-11-21T10:14:09Z"),
                Finding.NEVER, LOGIN)).build();
        return LeakReport.builder(4242, TestFindings.at("2026-11-21T10:15:30Z")).tracked(12).open(9).graceMillis(10_000)
                .leaks(List.of(viaJdbc, TestFindings.closedLate(), TestFindings.reclaimed(), TestFindings.orphaned(),
                        TestFindings.beforeAttach()))
                .jdbcConnectFailures(List.of(new JdbcFailure("jdbc:sqlserver://db:1433", "app", 3, 1, LOGIN,
                        TestFindings.at("2026-11-21T10:14:08.500Z"))))
                .ignored(2)
                .dropped(1234, List.of(new dev.closewait.agent.detect.DroppedGroup(TestFindings.STACK, "127.0.0.1:1433",
                        1200, TestFindings.at("2026-11-21T10:15:29Z")), new dev.closewait.agent.detect.DroppedGroup(
                        List.of(), null, 34, TestFindings.at("2026-11-21T10:15:28Z"))))
                .build();
    }

    private static String json(LeakReport report) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(report, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ReportReader.Read read(String json) throws Exception {
        return ReportReader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "leaks.json");
    }

    private static String refusal(String json) {
        return assertThrows(ReportReader.Unreadable.class, () -> read(json)).getMessage();
    }

    @Test
    void readsBackEveryFieldTheWriterWrites() throws Exception {
        LeakReport written = sample();
        ReportReader.Read read = read(json(written));
        assertEquals("0.1.0", read.version());
        LeakReport back = read.report();
        assertEquals(json(written), json(back), "written again, the report read back is the same text");
        assertEquals(written.leaks().size(), back.leaks().size());
        Finding first = back.leaks().get(0);
        assertEquals(18456, first.jdbc().connectError().errorCode());
        assertEquals("127.0.0.1:51234", first.local().toString());
        assertEquals("[::1]:52346", back.leaks().get(1).remote().toString());
        assertEquals(2, back.ignored());
        assertEquals(1, back.jdbcConnectFailures().get(0).reconnects());
        assertEquals(LeakReport.GRACE_UNKNOWN, back.graceMillis(), "a file does not say its grace");
    }

    @Test
    void theTextOfAReportReadBackWithItsGraceIsTheTextTheAgentRenders() throws Exception {
        LeakReport written = sample();
        LeakReport back = read(json(written)).report().withGraceMillis(written.graceMillis());

        // The one thing the JSON does not carry: when the collector reclaimed a socket.
        List<Finding> carried = new java.util.ArrayList<>();
        for (Finding leak : written.leaks()) {
            carried.add(leak.toBuilder().unreachableAt(Finding.NEVER).build());
        }
        LeakReport asCarried = LeakReport.builder(written.pid(), written.generatedAt()).tracked(written.tracked())
                .open(written.open()).graceMillis(written.graceMillis()).leaks(carried)
                .jdbcConnectFailures(written.jdbcConnectFailures()).ignored(written.ignored())
                .dropped(written.dropped(), written.droppedGroups()).build();
        String text = TextReport.DEFAULT.full(back);
        assertEquals(TextReport.DEFAULT.full(asCarried), text,
                "closewait report PID renders the live JSON as the agent would have");
        assertTrue(text.contains("(grace 10.0 s)"), text);
        assertTrue(text.contains("until the garbage collector reclaimed it\n"), "no made-up duration: " + text);
    }

    @Test
    void refusesADuplicateKeyThatCouldHideALeak() throws IOException {
        String twice = json(sample()).replaceFirst("\"leaks\": \\[", "\"leaks\": [], \"leaks\": [");
        assertTrue(refusal(twice).contains("Duplicate field 'leaks'"), refusal(twice));
    }

    @Test
    void refusesAnUnknownStatus() throws IOException {
        String message = refusal(json(sample()).replace("\"ORPHANED\"", "\"FINE\""));
        assertTrue(message.contains("leaks[3].status is 'FINE', which is not one of [OPEN"), message);
    }

    @Test
    void refusesACountOutOfRange() throws IOException {
        String message = refusal(json(sample()).replace("\"tracked\": 12", "\"tracked\": 99999999999999999999999"));
        assertTrue(message.contains("summary.tracked is out of range"), message);
        message = refusal(json(sample()).replace("\"tracked\": 12", "\"tracked\": -1"));
        assertTrue(message.contains("summary.tracked is out of range"), message);
    }

    @Test
    void refusesAVersionItDoesNotKnow() throws IOException {
        String message = refusal(json(sample()).replace("\"version\": \"0.1.0\"", "\"version\": \"7.0.0\""));
        assertTrue(message.contains("written by closewait 7.0.0"), message);
    }

    @Test
    void refusesAnEndpointThatIsNotAnAddress() throws IOException {
        String message = refusal(json(sample()).replace("\"127.0.0.1:1433\"", "\"db.example.com:1433\""));
        assertTrue(message.contains("leaks[0].remote is 'db.example.com:1433' is not an endpoint"), message);
    }

    @Test
    void readsAReportOfBeforeJdbcConnectFailuresExisted() throws Exception {
        String old = "{\"tool\":\"closewait\",\"version\":\"0.1.0\",\"pid\":1,\"generatedAt\":\"2026-11-21T10:15:30Z\","
                + "\"summary\":{\"tracked\":1,\"open\":0,\"leaks\":0},\"leaks\":[]}";
        LeakReport report = read(old).report();
        assertTrue(report.jdbcConnectFailures().isEmpty());
        assertEquals(0, report.ignored());
    }
}
