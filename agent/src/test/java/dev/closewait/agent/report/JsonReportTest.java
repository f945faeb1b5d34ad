package dev.closewait.agent.report;

import dev.closewait.agent.testing.TestFindings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.track.JdbcFailure;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.testing.Fixtures;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.Origin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.closewait.agent.testing.TestFindings.at;
import static dev.closewait.agent.testing.TestFindings.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link JsonReport}: the report file's JSON, version 1. The documented schema lives in
 * {@code docs/report-v1.schema.json} and every rendered report must satisfy it.
 */
class JsonReportTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long GENERATED_AT = at("2026-11-21T10:15:30.999Z");

    private static final ReportSchema REPORT_SCHEMA = ReportSchema.load();
    private static final JsonNode SCHEMA_NODE = REPORT_SCHEMA.node();

    // --- the schema ------------------------------------------------------------------------------------------

    @Test
    void schemaIsAValidDraft202012Schema() {
        JsonSchema metaSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

        assertEquals(Set.of(), metaSchema.validate(SCHEMA_NODE));
        assertEquals("https://json-schema.org/draft/2020-12/schema", SCHEMA_NODE.get("$schema").asText());
    }

    @Test
    void designMdExampleSatisfiesTheSchema() throws IOException {
        JsonNode example = MAPPER.readTree(Fixtures.text("report/design-md-example.json"));

        assertEquals(Set.of(), REPORT_SCHEMA.validate(example));
    }

    @Test
    void schemaEnumsListExactlyTheStatusesOriginsAndStatesOfTheCode() {
        JsonNode leak = SCHEMA_NODE.at("/$defs/leak/properties");

        assertEquals(names(LeakStatus.values()), texts(leak.at("/status/enum")));
        assertEquals(names(Origin.values()), texts(leak.at("/origin/enum")));
        List<String> states = new ArrayList<>(List.of("null"));
        states.addAll(names(TcpState.values()));
        assertEquals(states, texts(leak.at("/state/enum")));
        assertTrue(leak.at("/state/enum/0").isNull(), "null, not the string \"null\"");
    }

    @Test
    void renderedReportWithEveryStatusAndOriginSatisfiesTheSchema() throws IOException {
        JsonNode json = render(report(TestFindings.open(), TestFindings.closedLate(), TestFindings.reclaimed(),
                TestFindings.orphaned(), TestFindings.beforeAttach()));

        assertEquals(Set.of(), REPORT_SCHEMA.validate(json));
        assertEquals(5, json.get("leaks").size());
    }

    @Test
    void aSocketNoScanSawSatisfiesTheSchemaWithoutLocalEndpointOrState() throws IOException {
        Finding collectedBeforeAnyScan = TestFindings.reclaimed().toBuilder().local(null).state(TcpState.CLOSE).build();
        Finding noStateKnown = TestFindings.open().toBuilder().local(null).state(null).build();

        JsonNode json = render(report(collectedBeforeAnyScan, noStateKnown));

        assertEquals(Set.of(), REPORT_SCHEMA.validate(json));
        assertTrue(json.at("/leaks/0/local").isNull());
        assertEquals("CLOSE", json.at("/leaks/0/state").asText());
        assertTrue(json.at("/leaks/1/state").isNull());
    }

    @Test
    void renderedReportWithoutLeaksSatisfiesTheSchema() throws IOException {
        JsonNode json = render(new LeakReport(4242, GENERATED_AT, 0, 0, 10_000, List.of()));

        assertEquals(Set.of(), REPORT_SCHEMA.validate(json));
        assertEquals(0, json.get("leaks").size());
        assertEquals(0, json.at("/summary/leaks").asInt());
    }

    static Stream<Arguments> contractBreaches() {
        return Stream.of(
                breach("a missing top-level field", r -> r.remove("pid")),
                breach("an unknown top-level field", r -> r.put("hostname", "db1")),
                breach("another tool", r -> r.put("tool", "other")),
                breach("generatedAt with millis", r -> r.put("generatedAt", "2026-11-21T10:15:30.000Z")),
                breach("generatedAt with an offset", r -> r.put("generatedAt", "2026-11-21T10:15:30+01:00")),
                breach("an unknown summary field", r -> summary(r).put("closed", 1)),
                breach("a missing summary field", r -> summary(r).remove("open")),
                breach("a missing leak field", r -> leak(r).remove("closedAt")),
                breach("an unknown leak field", r -> leak(r).put("fd", 42)),
                breach("an unknown status", r -> leak(r).put("status", "LEAKED")),
                breach("an unknown origin", r -> leak(r).put("origin", "UNKNOWN")),
                breach("a lower-case state", r -> leak(r).put("state", "close_wait")),
                breach("an event time without millis", r -> leak(r).put("openedAt", "2026-11-21T10:14:02Z")),
                breach("an event time with micros", r -> leak(r).put("closeWaitSince", "2026-11-21T10:14:07.500000Z")),
                breach("a null closeWaitSince", r -> leak(r).putNull("closeWaitSince")),
                breach("an IPv6 endpoint without brackets", r -> leak(r).put("remote", "::1:1433")),
                breach("an IPv4-mapped endpoint", r -> leak(r).put("local", "[::ffff:7f00:1]:51234")),
                breach("an endpoint without port", r -> leak(r).put("remote", "127.0.0.1")),
                breach("an OPEN leak with closedAt", r -> leak(r).put("closedAt", "2026-11-21T10:14:09.000Z")),
                breach("a BEFORE_ATTACH leak with a thread", r -> leak(r).put("origin", "BEFORE_ATTACH")),
                breach("a stack of non-strings", r -> ((ArrayNode) leak(r).get("stack")).add(42)),
                breach("jdbc as a string", r -> leak(r).put("jdbc", "jdbc:postgresql://db/shop")),
                breach("jdbc without driver", r -> jdbc(r).remove("driver")),
                breach("jdbc with an unknown field", r -> jdbc(r).put("password", "secret")),
                breach("a jdbc url with a clear password", r -> jdbc(r).put("url",
                        "jdbc:sqlserver://db:1433;databaseName=shop;password=s3cret")),
                breach("a connectError without errorCode", r -> ((ObjectNode) jdbc(r).get("connectError"))
                        .remove("errorCode")));
    }

    @ParameterizedTest(name = "rejects {0}")
    @MethodSource("contractBreaches")
    void schemaRejectsReportsThatBreakTheContract(String what, Consumer<ObjectNode> breach) throws IOException {
        ObjectNode json = (ObjectNode) render(report(TestFindings.open()));
        addJdbc(json);
        assertEquals(Set.of(), REPORT_SCHEMA.validate(json), "the report before the breach is valid");

        breach.accept(json);

        assertFalse(REPORT_SCHEMA.validate(json).isEmpty(), "the schema should reject " + what + ": " + json);
    }

    @Test
    void schemaLeavesRoomForJdbcConnectFailuresAndIgnoredCount() throws IOException {
        ObjectNode json = (ObjectNode) render(report(TestFindings.open()));
        json.putArray("jdbcConnectFailures");
        summary(json).put("ignored", 3);

        assertEquals(Set.of(), REPORT_SCHEMA.validate(json));
    }

    @Test
    void writesTheJdbcObjectAndConnectFailuresAsDesignMdShowsThem() throws IOException {
        Finding.Jdbc jdbc = new Finding.Jdbc("jdbc:sqlserver://db:1433;databaseName=shop;password=****", "app",
                "com.microsoft.sqlserver.jdbc.SQLServerDriver", at("2026-11-21T10:14:09Z"), Finding.NEVER,
                new JdbcError(18456, "S0001", "Login failed for user 'app'."));
        Finding o = TestFindings.open();
        Finding leak = Finding.builder(o.id()).status(o.status()).state(o.state()).origin(o.origin()).local(o.local())
                .remote(o.remote()).openedAt(o.openedAt()).closeWaitSince(o.closeWaitSince()).closedAt(o.closedAt())
                .unreachableAt(o.unreachableAt()).thread(o.thread()).stack(o.stack()).jdbc(jdbc).build();
        LeakReport report = LeakReport.builder(4242, GENERATED_AT).tracked(12).open(9).graceMillis(10_000)
                .leaks(List.of(leak)).jdbcConnectFailures(List.of(new JdbcFailure("jdbc:sqlserver://db:1433;password=****",
                        "app", 3, 1, new JdbcError(18456, "S0001", "Login failed for user 'app'."),
                        at("2026-11-21T10:14:08.500Z")))).build();
        JsonNode json = render(report);

        assertEquals(Set.of(), REPORT_SCHEMA.validate(json));
        JsonNode written = json.get("leaks").get(0).get("jdbc");
        assertEquals(List.of("url", "user", "driver", "connectionClosedAt", "connectError"), fieldNames(written));
        assertEquals("jdbc:sqlserver://db:1433;databaseName=shop;password=****", written.get("url").asText());
        assertEquals("2026-11-21T10:14:09.000Z", written.get("connectionClosedAt").asText());
        assertEquals(List.of("errorCode", "sqlState", "message"), fieldNames(written.get("connectError")));
        assertEquals(18456, written.get("connectError").get("errorCode").asInt());
        JsonNode failure = json.get("jdbcConnectFailures").get(0);
        assertEquals(List.of("url", "user", "count", "reconnects", "lastErrorCode", "lastSqlState", "lastMessage", "lastAt"),
                fieldNames(failure));
        assertEquals(3, failure.get("count").asInt());
        assertEquals(1, failure.get("reconnects").asInt());
        assertEquals("2026-11-21T10:14:08.500Z", failure.get("lastAt").asText());
    }

    // --- what the writer writes ------------------------------------------------------------------------------

    @Test
    void writesFieldsInTheDocumentedOrder() throws IOException {
        JsonNode json = render(report(TestFindings.open()));

        assertEquals(List.of("tool", "version", "pid", "generatedAt", "summary", "leaks", "jdbcConnectFailures",
                "droppedFindings", "peersNotClosing", "portPressure", "series"), fieldNames(json));
        assertEquals(List.of("tracked", "open", "leaks", "ignored", "heldByPools", "dropped"),
                fieldNames(json.get("summary")));
        assertEquals(List.of("id", "status", "state", "origin", "local", "remote", "openedAt", "closeWaitSince",
                "closedAt", "thread", "stack", "jdbc", "atExit", "requestedBy", "heldBy", "borrowedBy", "diagnosis"),
                fieldNames(json.get("leaks").get(0)),
                "the fields added in 2026-12 come after those of the first version 1");
    }

    @Test
    void writesTheDesignMdExampleLeakValueForValue() throws IOException {
        JsonNode json = render(report(TestFindings.open()));
        JsonNode leak = json.get("leaks").get(0);

        assertEquals("closewait", json.get("tool").asText());
        assertEquals("0.1.0", json.get("version").asText());
        assertEquals(4242, json.get("pid").asLong());
        assertEquals(17, leak.get("id").asLong());
        assertEquals("OPEN", leak.get("status").asText());
        assertEquals("CLOSE_WAIT", leak.get("state").asText());
        assertEquals("CONNECT", leak.get("origin").asText());
        assertEquals("127.0.0.1:51234", leak.get("local").asText());
        assertEquals("127.0.0.1:1433", leak.get("remote").asText());
        assertEquals("2026-11-21T10:14:02.120Z", leak.get("openedAt").asText());
        assertEquals("2026-11-21T10:14:07.500Z", leak.get("closeWaitSince").asText());
        assertEquals("http-worker-3", leak.get("thread").asText());
        assertTrue(leak.get("id").isIntegralNumber());
        assertTrue(json.get("pid").isIntegralNumber());
    }

    @Test
    void writesGeneratedAtToTheSecondWithoutRoundingUp() throws IOException {
        JsonNode json = render(report(TestFindings.open()));

        assertEquals("2026-11-21T10:15:30Z", json.get("generatedAt").asText());
    }

    @Test
    void writesEventTimesWithExactlyThreeFractionDigits() throws IOException {
        Finding finding = Finding.builder(1).status(LeakStatus.CLOSED_LATE).state(TcpState.CLOSE_WAIT)
                .origin(Origin.CONNECT).local(endpoint("127.0.0.1", 1)).remote(endpoint("127.0.0.1", 2))
                .openedAt(at("2026-11-21T10:14:02Z")).closeWaitSince(at("2026-11-21T10:14:07.5Z"))
                .closedAt(at("2026-01-02T03:04:05.007Z")).thread("t").stack(List.of()).build();

        JsonNode leak = render(report(finding)).get("leaks").get(0);

        assertEquals("2026-11-21T10:14:02.000Z", leak.get("openedAt").asText());
        assertEquals("2026-11-21T10:14:07.500Z", leak.get("closeWaitSince").asText());
        assertEquals("2026-01-02T03:04:05.007Z", leak.get("closedAt").asText());
    }

    @Test
    void writesJsonNullForEventsThatDidNotHappenAndForJdbc() throws IOException {
        JsonNode leaks = render(report(TestFindings.open(), TestFindings.beforeAttach())).get("leaks");
        JsonNode open = leaks.get(0);
        JsonNode beforeAttach = leaks.get(1);

        assertTrue(open.has("closedAt") && open.get("closedAt").isNull(), "closedAt: null while not closed");
        assertTrue(open.has("jdbc") && open.get("jdbc").isNull(), "jdbc: null outside Driver.connect");
        assertTrue(beforeAttach.get("openedAt").isNull(), "no openedAt before attach");
        assertTrue(beforeAttach.get("thread").isNull(), "no thread before attach");
        assertTrue(beforeAttach.get("stack").isArray() && beforeAttach.get("stack").isEmpty(),
                "no stack before attach");
        assertEquals("BEFORE_ATTACH", beforeAttach.get("origin").asText());
    }

    @Test
    void writesIpv6EndpointsInBracketsAndIpv4MappedOnesAsIpv4() throws IOException {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 1, 2, 3};
        Finding mappedFinding = Finding.builder(2).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT)
                .origin(Origin.CONNECT).local(Endpoint.of(mapped, 40000)).remote(endpoint("2001:db8::5", 1433))
                .openedAt(at("2026-11-21T10:00:00Z")).closeWaitSince(at("2026-11-21T10:00:01Z")).thread("t")
                .stack(List.of()).build();

        JsonNode leaks = render(report(TestFindings.closedLate(), mappedFinding)).get("leaks");

        assertEquals("[::1]:8080", leaks.get(0).get("local").asText());
        assertEquals("[::1]:52346", leaks.get(0).get("remote").asText());
        assertEquals("10.1.2.3:40000", leaks.get(1).get("local").asText());
        assertEquals("[2001:db8::5]:1433", leaks.get(1).get("remote").asText());
    }

    @Test
    void writesTheStackInnermostFirstAsGiven() throws IOException {
        JsonNode stack = render(report(TestFindings.open())).get("leaks").get(0).get("stack");

        assertEquals(TestFindings.STACK, texts(stack));
    }

    @Test
    void writesLeaksInReportOrderAndCountsThemInTheSummary() throws IOException {
        LeakReport report = new LeakReport(4242, GENERATED_AT, 12, 9, 10_000, List.of(
                TestFindings.orphaned(), TestFindings.open(), TestFindings.reclaimed()));

        JsonNode json = render(report);

        assertEquals(12, json.at("/summary/tracked").asLong());
        assertEquals(9, json.at("/summary/open").asLong());
        assertEquals(json.get("leaks").size(), json.at("/summary/leaks").asInt());
        assertEquals(3, json.at("/summary/leaks").asInt());
        List<Long> ids = new ArrayList<>();
        json.get("leaks").forEach(leak -> ids.add(leak.get("id").asLong()));
        assertEquals(List.of(20L, 17L, 19L), ids);
    }

    @Test
    void writesValidUtf8AndEscapesQuotesBackslashesAndControlCharacters() throws IOException {
        String thread = "wörker-3 \"primary\" C:\\pool\\ 線程 \uD83E\uDDF5\ttab";
        Finding finding = Finding.builder(1).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT).origin(Origin.CONNECT)
                .local(endpoint("127.0.0.1", 1)).remote(endpoint("127.0.0.1", 2)).openedAt(at("2026-11-21T10:00:00Z"))
                .closeWaitSince(at("2026-11-21T10:00:01Z")).thread(thread)
                .stack(List.of("com.example.Ünïcode.\"quoted\"(Ünïcode.java:1)")).build();

        byte[] bytes = bytes(report(finding));
        String text = strictUtf8(bytes);

        assertTrue(text.contains("\"wörker-3 \\\"primary\\\" C:\\\\pool\\\\ 線程 "), text);
        assertTrue(text.contains("\\ttab\""), "a tab is written as \\t: " + text);
        assertFalse(text.contains("\t"), "no raw control character in the output: " + text);
        assertTrue(containsSequence(bytes, "ö".getBytes(StandardCharsets.UTF_8)), "non-ASCII written as UTF-8");
        JsonNode leak = MAPPER.readTree(bytes).get("leaks").get(0);
        assertEquals(thread, leak.get("thread").asText());
        assertEquals("com.example.Ünïcode.\"quoted\"(Ünïcode.java:1)", leak.get("stack").get(0).asText());
    }

    @Test
    void leavesTheStreamOpenAndEndsWithANewline() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };

        new JsonReport("0.1.0").write(report(TestFindings.open()), out);

        assertFalse(closed[0], "write must not close the caller's stream");
        byte[] bytes = out.toByteArray();
        assertEquals('\n', bytes[bytes.length - 1]);
        assertEquals('{', bytes[0]);
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static LeakReport report(Finding... findings) {
        return new LeakReport(4242, GENERATED_AT, 12, 9, 10_000, Arrays.asList(findings));
    }

    private static byte[] bytes(LeakReport report) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonReport("0.1.0").write(report, out);
        return out.toByteArray();
    }

    private static JsonNode render(LeakReport report) throws IOException {
        return MAPPER.readTree(bytes(report));
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return fail("the report is not valid UTF-8: " + e);
        }
    }

    private static boolean containsSequence(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).collect(Collectors.toList());
    }

    private static Arguments breach(String what, Consumer<ObjectNode> change) {
        return Arguments.of(what, change);
    }

    private static ObjectNode summary(ObjectNode report) {
        return (ObjectNode) report.get("summary");
    }

    private static ObjectNode leak(ObjectNode report) {
        return (ObjectNode) report.get("leaks").get(0);
    }

    private static ObjectNode jdbc(ObjectNode report) {
        return (ObjectNode) leak(report).get("jdbc");
    }

    /** The jdbc object of DESIGN.md's example; the writer does not fill it yet. */
    private static void addJdbc(ObjectNode report) {
        ObjectNode jdbc = leak(report).putObject("jdbc");
        jdbc.put("url", "jdbc:sqlserver://db:1433;databaseName=shop;password=****");
        jdbc.put("user", "app");
        jdbc.put("driver", "com.microsoft.sqlserver.jdbc.SQLServerDriver");
        jdbc.put("connectionClosedAt", "2026-11-21T10:14:09.000Z");
        ObjectNode error = jdbc.putObject("connectError");
        error.put("errorCode", 18456);
        error.put("sqlState", "S0001");
        error.put("message", "Login failed for user 'app'.");
    }
}
