package dev.closewait.agent.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.closewait.agent.detect.DroppedGroup;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.JdbcError;
import dev.closewait.agent.track.JdbcFailure;
import dev.closewait.agent.track.Origin;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON report (version 1) back into a {@link LeakReport}: what {@link JsonReport} wrote,
 * field for field. Strict, because CI gates trust what it says: a duplicate key, an unknown status,
 * a count out of range, a summary that disagrees with its list, or a file too large to be a report
 * is refused with a message that says what and where. Fields added to version 1 later are optional.
 */
public final class ReportReader {

    /**
     * Refused before it is read: larger than any report of the agent's default {@code maxFindings}
     * (1,000 findings of three stacks of 200 frames each come to about 60 MB; strings are capped,
     * see {@code LongText}). The agent warns if it writes a larger one.
     */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ReportReader() {
    }

    /** A report that cannot be trusted, or read: the message says why and where. */
    public static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }

    /** A report as read: the agent version that wrote it, and its contents. */
    public static final class Read {
        private final String version;
        private final LeakReport report;

        Read(String version, LeakReport report) {
            this.version = version;
            this.report = report;
        }

        /** The version of the agent that wrote it. */
        public String version() {
            return version;
        }

        public LeakReport report() {
            return report;
        }
    }

    /** Reads the report in {@code path}. */
    public static Read read(Path path) throws Unreadable {
        try {
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                // a FIFO would block the read until someone writes to it: a gate that never returns
                throw new Unreadable(path.toAbsolutePath() + " is not a plain file (a directory, a FIFO or a device):"
                        + " not read");
            }
            if (Files.size(path) > MAX_BYTES) {
                throw new Unreadable(path + " is " + Files.size(path) + " bytes, more than any closewait report ("
                        + MAX_BYTES + "): not read");
            }
            try (InputStream in = Files.newInputStream(path)) {
                return read(in, path.toString());
            }
        } catch (NoSuchFileException missing) {
            throw new Unreadable("no such file: " + path.toAbsolutePath());
        } catch (IOException unreadable) {
            throw new Unreadable("cannot read " + path.toAbsolutePath() + ": " + unreadable.getMessage());
        }
    }

    /** Reads a report from {@code in}; {@code name} says where it came from in messages. */
    public static Read read(InputStream in, String name) throws Unreadable, IOException {
        Map<String, Object> tree;
        try (JsonParser json = JSON.createParser(in)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new Unreadable(name + " is not a closewait report: it does not start with a JSON object");
            }
            tree = asObject(value(json), name);
            if (json.nextToken() != null) {
                throw new Unreadable(name + " has more after the report, at " + where(json.currentLocation()));
            }
        } catch (JsonProcessingException malformed) {
            throw new Unreadable(name + " is not valid JSON at " + where(malformed.getLocation()) + ": "
                    + malformed.getOriginalMessage());
        }
        return new Fields(name).report(tree);
    }

    /** Typed access to a tree, each problem a message that names the field. */
    private static final class Fields {
        private final String name;

        Fields(String name) {
            this.name = name;
        }

        Read report(Map<String, Object> tree) throws Unreadable {
            Object tool = tree.get(ReportFields.TOOL);
            if (!AgentIdentity.NAME.equals(tool)) {
                throw new Unreadable(name + " is not a closewait report: its '" + ReportFields.TOOL + "' is " + tool);
            }
            String version = text(tree, ReportFields.VERSION, "the report", false);
            if (!writesVersion1(version)) {
                throw new Unreadable(name + " was written by closewait " + version + ", which this closewait ("
                        + AgentIdentity.version() + ") does not know: read it with that version's jar");
            }
            Map<String, Object> summary = object(tree, ReportFields.SUMMARY, "the report");
            List<Object> leakTrees = list(tree, ReportFields.LEAKS, "the report");
            long summaryLeaks = count(summary, ReportFields.LEAKS, "summary", true);
            if (summaryLeaks != leakTrees.size()) {
                throw new Unreadable(name + " is inconsistent: summary.leaks says " + summaryLeaks
                        + " but the leaks array has " + leakTrees.size() + " entries (a truncated or edited file?)");
            }
            List<Finding> leaks = new ArrayList<>();
            for (int i = 0; i < leakTrees.size(); i++) {
                leaks.add(leak(asObject(leakTrees.get(i), "leaks[" + i + "]"), "leaks[" + i + "]"));
            }
            long held = 0;
            for (Finding leak : leaks) {
                held += leak.isHeldByPool() ? 1 : 0;
            }
            if (summary.containsKey(ReportFields.HELD_BY_POOLS)
                    && count(summary, ReportFields.HELD_BY_POOLS, "summary", true) != held) {
                throw new Unreadable(name + " is inconsistent: summary.heldByPools says "
                        + summary.get(ReportFields.HELD_BY_POOLS) + " but " + held + " leaks have a heldBy");
            }
            List<JdbcFailure> failures = new ArrayList<>();
            if (tree.containsKey(ReportFields.JDBC_CONNECT_FAILURES)) {
                List<Object> failureTrees = list(tree, ReportFields.JDBC_CONNECT_FAILURES, "the report");
                for (int i = 0; i < failureTrees.size(); i++) {
                    String where = ReportFields.JDBC_CONNECT_FAILURES + "[" + i + "]";
                    failures.add(failure(asObject(failureTrees.get(i), where), where));
                }
            }
            List<DroppedGroup> dropped = new ArrayList<>();
            if (tree.containsKey(ReportFields.DROPPED_FINDINGS)) {
                List<Object> groups = list(tree, ReportFields.DROPPED_FINDINGS, "the report");
                for (int i = 0; i < groups.size(); i++) {
                    String where = ReportFields.DROPPED_FINDINGS + "[" + i + "]";
                    Map<String, Object> group = asObject(groups.get(i), where);
                    dropped.add(new DroppedGroup(frames(group, ReportFields.STACK, where), text(group, ReportFields.REMOTE, where, false),
                            count(group, ReportFields.COUNT, where, true), time(group, ReportFields.LAST_AT, where, false)));
                }
            }
            List<PeerNotClosing> peers = new ArrayList<>();
            if (tree.containsKey(ReportFields.PEERS_NOT_CLOSING)) {
                List<Object> entries = list(tree, ReportFields.PEERS_NOT_CLOSING, "the report");
                for (int i = 0; i < entries.size(); i++) {
                    String where = ReportFields.PEERS_NOT_CLOSING + "[" + i + "]";
                    peers.add(peer(asObject(entries.get(i), where), where));
                }
            }
            List<PortPressureEntry> pressure = new ArrayList<>();
            if (tree.containsKey(ReportFields.PORT_PRESSURE)) {
                List<Object> entries = list(tree, ReportFields.PORT_PRESSURE, "the report");
                for (int i = 0; i < entries.size(); i++) {
                    String where = ReportFields.PORT_PRESSURE + "[" + i + "]";
                    pressure.add(pressure(asObject(entries.get(i), where), where));
                }
            }
            List<RemoteSeries> series = new ArrayList<>();
            if (tree.containsKey(ReportFields.SERIES)) {
                List<Object> entries = list(tree, ReportFields.SERIES, "the report");
                for (int i = 0; i < entries.size(); i++) {
                    String where = ReportFields.SERIES + "[" + i + "]";
                    series.add(series(asObject(entries.get(i), where), where));
                }
            }
            LeakReport report = LeakReport.builder(count(tree, ReportFields.PID, "the report", true),
                    time(tree, ReportFields.GENERATED_AT, "the report", true))
                    .tracked(count(summary, ReportFields.TRACKED, "summary", true))
                    .open(count(summary, ReportFields.OPEN, "summary", true))
                    .leaks(leaks).jdbcConnectFailures(failures)
                    .ignored(count(summary, ReportFields.IGNORED, "summary", false))
                    .dropped(count(summary, ReportFields.DROPPED, "summary", false), dropped)
                    .peersNotClosing(peers).portPressure(pressure).series(series)
                    .build();
            return new Read(version, report);
        }

        private Finding leak(Map<String, Object> leak, String where) throws Unreadable {
            Finding.Builder finding = Finding.builder(count(leak, ReportFields.ID, where, true))
                    .status(constant(LeakStatus.class, leak, ReportFields.STATUS, where, true))
                    .state(constant(TcpState.class, leak, ReportFields.STATE, where, false))
                    .origin(constant(Origin.class, leak, ReportFields.ORIGIN, where, true))
                    .local(endpoint(leak, ReportFields.LOCAL, where, false))
                    .remote(endpoint(leak, ReportFields.REMOTE, where, true))
                    .openedAt(time(leak, ReportFields.OPENED_AT, where, false))
                    .closeWaitSince(time(leak, ReportFields.CLOSE_WAIT_SINCE, where, false))
                    .closedAt(time(leak, ReportFields.CLOSED_AT, where, false))
                    .thread(text(leak, ReportFields.THREAD, where, false))
                    .atExit(flag(leak, ReportFields.AT_EXIT, where))
                    .requestedBy(leak.get(ReportFields.REQUESTED_BY) == null ? null : frames(leak, ReportFields.REQUESTED_BY, where))
                    .borrowedBy(leak.get(ReportFields.BORROWED_BY) == null ? null : frames(leak, ReportFields.BORROWED_BY, where));
            Object held = leak.get(ReportFields.HELD_BY);
            if (held != null) {
                String at = where + "." + ReportFields.HELD_BY;
                Map<String, Object> h = asObject(held, at);
                finding.heldBy(new Finding.HeldBy(text(h, ReportFields.LIBRARY, at, true), text(h, ReportFields.NAME, at, false),
                        time(h, ReportFields.IDLE_SINCE, at, false)));
            }
            Object diagnosis = leak.get(ReportFields.DIAGNOSIS);
            if (diagnosis != null) {
                String at = where + "." + ReportFields.DIAGNOSIS;
                Map<String, Object> d = asObject(diagnosis, at);
                finding.diagnosis(new Finding.Diagnosis(text(d, ReportFields.CAUSE, at, true),
                        text(d, ReportFields.ADVICE, at, false)));
            }
            finding.stack(frames(leak, ReportFields.STACK, where));
            Object jdbc = leak.get(ReportFields.JDBC);
            if (jdbc != null) {
                String at = where + "." + ReportFields.JDBC;
                Map<String, Object> j = asObject(jdbc, at);
                Object error = j.get(ReportFields.CONNECT_ERROR);
                finding.jdbc(new Finding.Jdbc(text(j, ReportFields.URL, at, false), text(j, ReportFields.USER, at, false),
                        text(j, ReportFields.DRIVER, at, false), time(j, ReportFields.CONNECTION_CLOSED_AT, at, false),
                        Finding.NEVER, error == null ? null : error(asObject(error, at + "." + ReportFields.CONNECT_ERROR),
                        at + "." + ReportFields.CONNECT_ERROR)));
            }
            return finding.build();
        }

        private PeerNotClosing peer(Map<String, Object> peer, String where) throws Unreadable {
            List<PeerNotClosing.HalfClosed> sockets = new ArrayList<>();
            List<Object> socketTrees = list(peer, ReportFields.SOCKETS, where);
            for (int i = 0; i < socketTrees.size(); i++) {
                String at = where + "." + ReportFields.SOCKETS + "[" + i + "]";
                Map<String, Object> socket = asObject(socketTrees.get(i), at);
                sockets.add(new PeerNotClosing.HalfClosed(count(socket, ReportFields.ID, at, true),
                        endpoint(socket, ReportFields.LOCAL, at, true), time(socket, ReportFields.SINCE, at, true),
                        frames(socket, ReportFields.STACK, at)));
            }
            return new PeerNotClosing(peerEndpoint(peer, where), flag(peer, ReportFields.ACCEPTED, where),
                    (int) small(peer, ReportFields.COUNT, where), (int) small(peer, ReportFields.HALF_CLOSED, where),
                    time(peer, ReportFields.OLDEST_SINCE, where, true),
                    !peer.containsKey(ReportFields.SEEN_BEFORE) || flag(peer, ReportFields.SEEN_BEFORE, where),
                    optionalFrames(peer, ReportFields.OPENED_BY, where),
                    optionalFrames(peer, ReportFields.CLOSED_BY, where), sockets);
        }

        private PortPressureEntry pressure(Map<String, Object> entry, String where) throws Unreadable {
            List<PortPressureEntry.TopStack> top = new ArrayList<>();
            List<Object> topTrees = list(entry, ReportFields.TOP_STACKS, where);
            for (int i = 0; i < topTrees.size(); i++) {
                String at = where + "." + ReportFields.TOP_STACKS + "[" + i + "]";
                Map<String, Object> stack = asObject(topTrees.get(i), at);
                top.add(new PortPressureEntry.TopStack(frames(stack, ReportFields.STACK, at),
                        decimal(stack, ReportFields.OPENS_PER_MINUTE, at)));
            }
            PortPressureEntry read = new PortPressureEntry(endpoint(entry, ReportFields.REMOTE, where, true),
                    (int) small(entry, ReportFields.ESTABLISHED, where), (int) small(entry, ReportFields.CLOSE_WAIT, where),
                    (int) small(entry, ReportFields.FIN_WAIT_2, where), (int) small(entry, ReportFields.TIME_WAIT, where),
                    (int) small(entry, ReportFields.PORT_RANGE, where), decimal(entry, ReportFields.OPENS_PER_MINUTE, where),
                    top, text(entry, ReportFields.WARNING, where, false));
            if (small(entry, ReportFields.PORTS_IN_USE, where) != read.portsInUse()) {
                throw new Unreadable(name + " is inconsistent: " + where + ".portsInUse is not the sum of its states");
            }
            return read;
        }

        private RemoteSeries series(Map<String, Object> series, String where) throws Unreadable {
            List<long[]> points = new ArrayList<>();
            List<Object> pointTrees = list(series, ReportFields.POINTS, where);
            for (int i = 0; i < pointTrees.size(); i++) {
                Object point = pointTrees.get(i);
                String at = where + "." + ReportFields.POINTS + "[" + i + "]";
                if (!(point instanceof List) || ((List<?>) point).size() != 3) {
                    throw new Unreadable(name + ": " + at + " is not [epochMillis, closeWait, finWait2]");
                }
                long[] values = new long[3];
                for (int j = 0; j < 3; j++) {
                    Object value = ((List<?>) point).get(j);
                    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0) {
                        throw new Unreadable(name + ": " + at + "[" + j + "] is not a whole number from 0");
                    }
                    values[j] = ((Number) value).longValue();
                }
                points.add(values);
            }
            return new RemoteSeries(peerEndpoint(series, where), points);
        }

        private Endpoint peerEndpoint(Map<String, Object> object, String where) throws Unreadable {
            String value = text(object, ReportFields.REMOTE, where, true);
            try {
                return Peers.parse(value);
            } catch (IllegalArgumentException bad) {
                throw problem(where, ReportFields.REMOTE, bad.getMessage());
            }
        }

        private List<String> optionalFrames(Map<String, Object> object, String field, String where) throws Unreadable {
            return object.get(field) == null ? null : frames(object, field, where);
        }

        /** A count that fits an int. */
        private long small(Map<String, Object> object, String field, String where) throws Unreadable {
            long value = count(object, field, where, true);
            if (value > Integer.MAX_VALUE) {
                throw problem(where, field, "out of range (" + value + ")");
            }
            return value;
        }

        /** A finite number from 0. */
        private double decimal(Map<String, Object> object, String field, String where) throws Unreadable {
            Object value = object.get(field);
            if (!(value instanceof Number)) {
                throw problem(where, field, value == null ? "missing" : "not a number");
            }
            double number = ((Number) value).doubleValue();
            if (!(number >= 0) || Double.isInfinite(number)) {
                throw problem(where, field, "out of range (" + value + ")");
            }
            return number;
        }

        private List<String> frames(Map<String, Object> object, String field, String where) throws Unreadable {
            List<String> stack = new ArrayList<>();
            List<Object> frames = list(object, field, where);
            for (int i = 0; i < frames.size(); i++) {
                if (!(frames.get(i) instanceof String)) {
                    throw new Unreadable(name + ": " + where + "." + field + "[" + i + "] is not text");
                }
                stack.add((String) frames.get(i));
            }
            return stack;
        }

        private JdbcError error(Map<String, Object> error, String where) throws Unreadable {
            return new JdbcError((int) integer(error, ReportFields.ERROR_CODE, where),
                    text(error, ReportFields.SQL_STATE, where, false), text(error, ReportFields.MESSAGE, where, false));
        }

        private JdbcFailure failure(Map<String, Object> failure, String where) throws Unreadable {
            return new JdbcFailure(text(failure, ReportFields.URL, where, false),
                    text(failure, ReportFields.USER, where, false), count(failure, ReportFields.COUNT, where, true),
                    count(failure, ReportFields.RECONNECTS, where, false),
                    new JdbcError((int) integer(failure, ReportFields.LAST_ERROR_CODE, where),
                            text(failure, ReportFields.LAST_SQL_STATE, where, false),
                            text(failure, ReportFields.LAST_MESSAGE, where, false)),
                    time(failure, ReportFields.LAST_AT, where, true));
        }

        private Unreadable problem(String where, String field, String what) {
            return new Unreadable(name + ": " + where + (where.equals("the report") ? " has " : "." + field + " is ")
                    + (where.equals("the report") ? "no valid '" + field + "': " : "") + what);
        }

        private String text(Map<String, Object> object, String field, String where, boolean required)
                throws Unreadable {
            Object value = object.get(field);
            if (value == null && !required) {
                return null;
            }
            if (!(value instanceof String)) {
                throw problem(where, field, value == null ? "missing" : "not text");
            }
            return (String) value;
        }

        /** {@code true} or {@code false}; {@code false} when absent (a report of before the field). */
        private boolean flag(Map<String, Object> object, String field, String where) throws Unreadable {
            Object value = object.get(field);
            if (value != null && !(value instanceof Boolean)) {
                throw problem(where, field, "not true or false");
            }
            return Boolean.TRUE.equals(value);
        }

        /** A whole number from 0 to {@code Long.MAX_VALUE}; 0 when absent and not required. */
        private long count(Map<String, Object> object, String field, String where, boolean required) throws Unreadable {
            Object value = object.get(field);
            if (value == null && !required) {
                return 0;
            }
            if (!(value instanceof Long || value instanceof Integer || value instanceof BigInteger)) {
                throw problem(where, field, value == null ? "missing" : "not a whole number");
            }
            BigInteger number = value instanceof BigInteger ? (BigInteger) value : BigInteger.valueOf(((Number) value).longValue());
            if (number.signum() < 0 || number.bitLength() > 63) {
                throw problem(where, field, "out of range (" + number + ")");
            }
            return number.longValue();
        }

        /** A whole number in int range, signed (vendor error codes). */
        private long integer(Map<String, Object> object, String field, String where) throws Unreadable {
            Object value = object.get(field);
            if (!(value instanceof Integer)) {
                throw problem(where, field, value == null ? "missing" : "not a whole number in range");
            }
            return (Integer) value;
        }

        private long time(Map<String, Object> object, String field, String where, boolean required) throws Unreadable {
            String value = text(object, field, where, required);
            if (value == null) {
                return Finding.NEVER;
            }
            try {
                return Instant.parse(value).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException bad) {
                throw problem(where, field, "not a UTC time ('" + value + "')");
            }
        }

        private Endpoint endpoint(Map<String, Object> object, String field, String where, boolean required)
                throws Unreadable {
            String value = text(object, field, where, required);
            if (value == null) {
                return null;
            }
            try {
                return Endpoint.parse(value);
            } catch (IllegalArgumentException bad) {
                throw problem(where, field, bad.getMessage());
            }
        }

        private <E extends Enum<E>> E constant(Class<E> type, Map<String, Object> object, String field, String where,
                                               boolean required) throws Unreadable {
            String value = text(object, field, where, required);
            if (value == null) {
                return null;
            }
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(value)) {
                    return constant;
                }
            }
            throw problem(where, field, "'" + value + "', which is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }

        private Map<String, Object> object(Map<String, Object> object, String field, String where) throws Unreadable {
            Object value = object.get(field);
            if (!(value instanceof Map)) {
                throw problem(where, field, value == null ? "missing" : "not an object");
            }
            return asObject(value, where + "." + field);
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Map<String, Object> object, String field, String where) throws Unreadable {
            Object value = object.get(field);
            if (!(value instanceof List)) {
                throw new Unreadable(name + ": " + where + " has no '" + field + "' array: is this a closewait report?");
            }
            return (List<Object>) value;
        }
    }

    /** Whether an agent of {@code version} writes report version 1: every 0.x release, and builds from classes. */
    static boolean writesVersion1(String version) {
        return version.equals("dev") || version.matches("0\\.\\d+(\\.\\d+)?([-.][A-Za-z0-9.]+)?");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object value, String where) throws Unreadable {
        if (!(value instanceof Map)) {
            throw new Unreadable(where + " is not an object");
        }
        return (Map<String, Object>) value;
    }

    private static Object value(JsonParser json) throws IOException {
        switch (json.currentToken()) {
            case START_OBJECT:
                Map<String, Object> object = new LinkedHashMap<>();
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String field = json.currentName();
                    json.nextToken();
                    object.put(field, value(json));
                }
                return object;
            case START_ARRAY:
                List<Object> array = new ArrayList<>();
                while (json.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(json));
                }
                return array;
            case VALUE_STRING:
                return json.getText();
            case VALUE_NUMBER_INT:
                return json.getNumberValue();
            case VALUE_NUMBER_FLOAT:
                return json.getDecimalValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new com.fasterxml.jackson.core.JsonParseException(json, "unexpected " + json.currentToken());
        }
    }

    private static String where(JsonLocation location) {
        return location == null ? "an unknown place" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
