package dev.closewait.agent.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.track.JdbcConnectFailures;
import dev.closewait.agent.track.JdbcError;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the JSON report, version 1 (DESIGN.md, "JSON report"). Field names, their order and
 * their values are a contract: scripts read them.
 */
public final class JsonReport {

    /** The {@code tool} field. */
    public static final String TOOL = "closewait";

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

    /** Writes {@code report} to {@code out} (UTF-8, indented); does not close {@code out}. */
    public void write(LeakReport report, OutputStream out) throws IOException {
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.setPrettyPrinter(PRETTY);
            json.writeStartObject();
            json.writeStringField("tool", TOOL);
            json.writeStringField("version", version);
            json.writeNumberField("pid", report.pid());
            json.writeStringField("generatedAt", Timestamps.seconds(report.generatedAt()));
            json.writeObjectFieldStart("summary");
            json.writeNumberField("tracked", report.tracked());
            json.writeNumberField("open", report.open());
            json.writeNumberField("leaks", report.leaks().size());
            json.writeNumberField("ignored", report.ignored());
            json.writeEndObject();
            json.writeArrayFieldStart("leaks");
            for (Finding leak : report.leaks()) {
                writeLeak(json, leak);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("jdbcConnectFailures");
            for (JdbcConnectFailures.Entry failure : report.jdbcConnectFailures()) {
                writeFailure(json, failure);
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        }
    }

    private static void writeLeak(JsonGenerator json, Finding leak) throws IOException {
        json.writeStartObject();
        json.writeNumberField("id", leak.id());
        json.writeStringField("status", leak.status().name());
        json.writeStringField("state", leak.state() == null ? null : leak.state().name());
        json.writeStringField("origin", leak.origin().name());
        json.writeStringField("local", leak.local() == null ? null : leak.local().toString());
        json.writeStringField("remote", leak.remote().toString());
        writeTime(json, "openedAt", leak.openedAt());
        writeTime(json, "closeWaitSince", leak.closeWaitSince());
        writeTime(json, "closedAt", leak.closedAt());
        json.writeStringField("thread", leak.thread());
        json.writeArrayFieldStart("stack");
        for (String frame : leak.stack()) {
            json.writeString(frame);
        }
        json.writeEndArray();
        writeJdbc(json, leak.jdbc());
        json.writeEndObject();
    }

    private static void writeJdbc(JsonGenerator json, Finding.Jdbc jdbc) throws IOException {
        if (jdbc == null) {
            json.writeNullField("jdbc");
            return;
        }
        json.writeObjectFieldStart("jdbc");
        json.writeStringField("url", jdbc.url());
        json.writeStringField("user", jdbc.user());
        json.writeStringField("driver", jdbc.driver());
        writeTime(json, "connectionClosedAt", jdbc.connectionClosedAt());
        writeError(json, "connectError", jdbc.connectError());
        json.writeEndObject();
    }

    private static void writeError(JsonGenerator json, String field, JdbcError error) throws IOException {
        if (error == null) {
            json.writeNullField(field);
            return;
        }
        json.writeObjectFieldStart(field);
        json.writeNumberField("errorCode", error.errorCode());
        json.writeStringField("sqlState", error.sqlState());
        json.writeStringField("message", error.message());
        json.writeEndObject();
    }

    private static void writeFailure(JsonGenerator json, JdbcConnectFailures.Entry failure) throws IOException {
        JdbcError error = failure.lastError();
        json.writeStartObject();
        json.writeStringField("url", failure.url());
        json.writeStringField("user", failure.user());
        json.writeNumberField("count", failure.count());
        json.writeNumberField("reconnects", failure.reconnects());
        json.writeNumberField("lastErrorCode", error.errorCode());
        json.writeStringField("lastSqlState", error.sqlState());
        json.writeStringField("lastMessage", error.message());
        writeTime(json, "lastAt", failure.lastAt());
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
