package dev.closewait.agent.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import dev.closewait.agent.detect.DroppedGroup;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.PeerNotClosing;
import dev.closewait.agent.detect.PortPressureEntry;
import dev.closewait.agent.detect.RemoteSeries;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.track.JdbcFailure;
import dev.closewait.agent.track.JdbcError;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the JSON report, version 1 (DESIGN.md, "JSON report"). Field names, their order and
 * their values are a contract: scripts read them.
 */
public final class JsonReport {

    /** The {@code tool} field. */
    public static final String TOOL = AgentIdentity.NAME;

    private static final JsonFactory FACTORY = new JsonFactory();
    /** Two-space indent, one array element per line (stacks read top to bottom), {@code "key": value}. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
            .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withArrayEmptySeparator("")
                    .withObjectEmptySeparator(""));

    private final String version;

    /** @param version the agent's version, written as {@code version} */
    public JsonReport(String version) {
        this.version = version;
    }

    /** {@code report} as the text {@link #write} writes: for the live views (JMX, the attach API's answer). */
    public String render(LeakReport report) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            write(report, out);
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
        return new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes {@code report} to {@code out} (UTF-8, indented); does not close {@code out}. */
    public void write(LeakReport report, OutputStream out) throws IOException {
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.setPrettyPrinter(PRETTY);
            json.writeStartObject();
            json.writeStringField(ReportFields.TOOL, TOOL);
            json.writeStringField(ReportFields.VERSION, version);
            json.writeNumberField(ReportFields.PID, report.pid());
            json.writeStringField(ReportFields.GENERATED_AT, Timestamps.seconds(report.generatedAt()));
            json.writeObjectFieldStart(ReportFields.SUMMARY);
            json.writeNumberField(ReportFields.TRACKED, report.tracked());
            json.writeNumberField(ReportFields.OPEN, report.open());
            json.writeNumberField(ReportFields.LEAKS, report.leaks().size());
            json.writeNumberField(ReportFields.IGNORED, report.ignored());
            json.writeNumberField(ReportFields.HELD_BY_POOLS, report.heldByPools());
            json.writeNumberField(ReportFields.DROPPED, report.dropped());
            json.writeEndObject();
            json.writeArrayFieldStart(ReportFields.LEAKS);
            for (Finding leak : report.leaks()) {
                writeLeak(json, leak);
            }
            json.writeEndArray();
            json.writeArrayFieldStart(ReportFields.JDBC_CONNECT_FAILURES);
            for (JdbcFailure failure : report.jdbcConnectFailures()) {
                writeFailure(json, failure);
            }
            json.writeEndArray();
            json.writeArrayFieldStart(ReportFields.DROPPED_FINDINGS);
            for (DroppedGroup group : report.droppedGroups()) {
                json.writeStartObject();
                json.writeStringField(ReportFields.REMOTE, group.remote());
                json.writeArrayFieldStart(ReportFields.STACK);
                for (String frame : group.stack()) {
                    json.writeString(frame);
                }
                json.writeEndArray();
                json.writeNumberField(ReportFields.COUNT, group.count());
                writeTime(json, ReportFields.LAST_AT, group.lastAt());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart(ReportFields.PEERS_NOT_CLOSING);
            for (PeerNotClosing peer : report.peersNotClosing()) {
                writePeer(json, peer);
            }
            json.writeEndArray();
            json.writeArrayFieldStart(ReportFields.PORT_PRESSURE);
            for (PortPressureEntry entry : report.portPressure()) {
                writePressure(json, entry);
            }
            json.writeEndArray();
            json.writeArrayFieldStart(ReportFields.SERIES);
            for (RemoteSeries series : report.series()) {
                json.writeStartObject();
                json.writeStringField(ReportFields.REMOTE, Peers.text(series.remote()));
                json.writeArrayFieldStart(ReportFields.POINTS);
                for (long[] point : series.points()) {
                    json.writeArray(point, 0, point.length);
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        }
    }

    private static void writeLeak(JsonGenerator json, Finding leak) throws IOException {
        json.writeStartObject();
        json.writeNumberField(ReportFields.ID, leak.id());
        json.writeStringField(ReportFields.STATUS, leak.status().name());
        json.writeStringField(ReportFields.STATE, leak.state() == null ? null : leak.state().name());
        json.writeStringField(ReportFields.ORIGIN, leak.origin().name());
        json.writeStringField(ReportFields.LOCAL, leak.local() == null ? null : leak.local().toString());
        json.writeStringField(ReportFields.REMOTE, leak.remote().toString());
        writeTime(json, ReportFields.OPENED_AT, leak.openedAt());
        writeTime(json, ReportFields.CLOSE_WAIT_SINCE, leak.closeWaitSince());
        writeTime(json, ReportFields.CLOSED_AT, leak.closedAt());
        json.writeStringField(ReportFields.THREAD, leak.thread());
        json.writeArrayFieldStart(ReportFields.STACK);
        for (String frame : leak.stack()) {
            json.writeString(frame);
        }
        json.writeEndArray();
        writeJdbc(json, leak.jdbc());
        json.writeBooleanField(ReportFields.AT_EXIT, leak.atExit());
        writeFrames(json, ReportFields.REQUESTED_BY, leak.requestedBy());
        Finding.HeldBy held = leak.heldBy();
        if (held == null) {
            json.writeNullField(ReportFields.HELD_BY);
        } else {
            json.writeObjectFieldStart(ReportFields.HELD_BY);
            json.writeStringField(ReportFields.KIND, held.kind());
            json.writeStringField(ReportFields.LIBRARY, held.library());
            json.writeStringField(ReportFields.NAME, held.name());
            json.writeBooleanField(ReportFields.IDLE, true);
            writeTime(json, ReportFields.IDLE_SINCE, held.idleSince());
            json.writeEndObject();
        }
        writeFrames(json, ReportFields.BORROWED_BY, leak.borrowedBy());
        Finding.Diagnosis diagnosis = leak.diagnosis();
        if (diagnosis == null) {
            json.writeNullField(ReportFields.DIAGNOSIS);
        } else {
            json.writeObjectFieldStart(ReportFields.DIAGNOSIS);
            json.writeStringField(ReportFields.CAUSE, diagnosis.cause());
            json.writeStringField(ReportFields.ADVICE, diagnosis.advice());
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    private static void writePeer(JsonGenerator json, PeerNotClosing peer) throws IOException {
        json.writeStartObject();
        json.writeStringField(ReportFields.REMOTE, Peers.text(peer.remote()));
        json.writeBooleanField(ReportFields.ACCEPTED, peer.accepted());
        json.writeNumberField(ReportFields.COUNT, peer.count());
        json.writeNumberField(ReportFields.HALF_CLOSED, peer.halfClosed());
        writeTime(json, ReportFields.OLDEST_SINCE, peer.oldestSince());
        json.writeBooleanField(ReportFields.SEEN_BEFORE, peer.seenBefore());
        writeFrames(json, ReportFields.OPENED_BY, peer.openedBy());
        writeFrames(json, ReportFields.CLOSED_BY, peer.closedBy());
        json.writeArrayFieldStart(ReportFields.SOCKETS);
        for (PeerNotClosing.HalfClosed socket : peer.sockets()) {
            json.writeStartObject();
            json.writeNumberField(ReportFields.ID, socket.id());
            json.writeStringField(ReportFields.LOCAL, socket.local().toString());
            writeTime(json, ReportFields.SINCE, socket.since());
            writeFrames(json, ReportFields.STACK, socket.stack());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void writePressure(JsonGenerator json, PortPressureEntry entry) throws IOException {
        json.writeStartObject();
        json.writeStringField(ReportFields.REMOTE, entry.remote().toString());
        json.writeNumberField(ReportFields.ESTABLISHED, entry.established());
        json.writeNumberField(ReportFields.CLOSE_WAIT, entry.closeWait());
        json.writeNumberField(ReportFields.FIN_WAIT_2, entry.finWait2());
        json.writeNumberField(ReportFields.TIME_WAIT, entry.timeWait());
        json.writeNumberField(ReportFields.PORTS_IN_USE, entry.portsInUse());
        json.writeNumberField(ReportFields.PORT_RANGE, entry.portRange());
        json.writeNumberField(ReportFields.SHARE, Math.round(entry.share() * 10_000) / 10_000.0);
        json.writeNumberField(ReportFields.OPENS_PER_MINUTE, Math.round(entry.opensPerMinute() * 10) / 10.0);
        json.writeArrayFieldStart(ReportFields.TOP_STACKS);
        for (PortPressureEntry.TopStack top : entry.topStacks()) {
            json.writeStartObject();
            writeFrames(json, ReportFields.STACK, top.stack());
            json.writeNumberField(ReportFields.OPENS_PER_MINUTE, Math.round(top.opensPerMinute() * 10) / 10.0);
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeStringField(ReportFields.WARNING, entry.warning());
        json.writeEndObject();
    }

    private static void writeFrames(JsonGenerator json, String field, java.util.List<String> frames) throws IOException {
        if (frames == null) {
            json.writeNullField(field);
            return;
        }
        json.writeArrayFieldStart(field);
        for (String frame : frames) {
            json.writeString(frame);
        }
        json.writeEndArray();
    }

    private static void writeJdbc(JsonGenerator json, Finding.Jdbc jdbc) throws IOException {
        if (jdbc == null) {
            json.writeNullField(ReportFields.JDBC);
            return;
        }
        json.writeObjectFieldStart(ReportFields.JDBC);
        json.writeStringField(ReportFields.URL, jdbc.url());
        json.writeStringField(ReportFields.USER, jdbc.user());
        json.writeStringField(ReportFields.DRIVER, jdbc.driver());
        writeTime(json, ReportFields.CONNECTION_CLOSED_AT, jdbc.connectionClosedAt());
        writeError(json, ReportFields.CONNECT_ERROR, jdbc.connectError());
        json.writeEndObject();
    }

    private static void writeError(JsonGenerator json, String field, JdbcError error) throws IOException {
        if (error == null) {
            json.writeNullField(field);
            return;
        }
        json.writeObjectFieldStart(field);
        json.writeNumberField(ReportFields.ERROR_CODE, error.errorCode());
        json.writeStringField(ReportFields.SQL_STATE, error.sqlState());
        json.writeStringField(ReportFields.MESSAGE, error.message());
        json.writeEndObject();
    }

    private static void writeFailure(JsonGenerator json, JdbcFailure failure) throws IOException {
        JdbcError error = failure.lastError();
        json.writeStartObject();
        json.writeStringField(ReportFields.URL, failure.url());
        json.writeStringField(ReportFields.USER, failure.user());
        json.writeNumberField(ReportFields.COUNT, failure.count());
        json.writeNumberField(ReportFields.RECONNECTS, failure.reconnects());
        json.writeNumberField(ReportFields.LAST_ERROR_CODE, error.errorCode());
        json.writeStringField(ReportFields.LAST_SQL_STATE, error.sqlState());
        json.writeStringField(ReportFields.LAST_MESSAGE, error.message());
        writeTime(json, ReportFields.LAST_AT, failure.lastAt());
        json.writeEndObject();
    }

    private static void writeTime(JsonGenerator json, String field, long epochMillis) throws IOException {
        if (epochMillis == Finding.NEVER) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, Timestamps.millis(epochMillis));
        }
    }
}
