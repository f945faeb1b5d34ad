package dev.closewait.agent.live;

import dev.closewait.agent.identity.AgentIdentity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The live report as it travels to {@code closewait report PID}: appended to the target's answer to
 * the attach API's {@code agentProperties} command, which is the target's agent properties in
 * {@link Properties#store(java.io.OutputStream, String)} form. The attach client reads that answer
 * with {@link Properties#load(java.io.InputStream)}, so a second stored block after the first reads
 * as more properties. Nothing is added to the target's own agent properties: the report exists only
 * in that one answer, and no listener, thread or JMX server is started for it.
 */
public final class LiveReportProperties {

    private LiveReportProperties() {
    }

    /** {@code serialized} (the agent properties as the JVM stored them) followed by the report's two properties. */
    public static byte[] append(byte[] serialized, String json, String textOptions) {
        Properties report = new Properties();
        report.setProperty(AgentIdentity.REPORT_PROPERTY, json);
        report.setProperty(AgentIdentity.REPORT_TEXT_OPTIONS_PROPERTY, textOptions);
        ByteArrayOutputStream out = new ByteArrayOutputStream(serialized.length + json.length() + 256);
        out.write(serialized, 0, serialized.length);
        if (serialized.length > 0 && serialized[serialized.length - 1] != '\n') {
            out.write('\n'); // a line the JVM left open would swallow the first key
        }
        try {
            report.store(out, null);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return out.toByteArray();
    }

    /** The live report found in agent properties as the attach API returned them, or {@code null} if none. */
    public static Published read(Properties agentProperties) {
        String json = agentProperties.getProperty(AgentIdentity.REPORT_PROPERTY);
        return json == null ? null
                : new Published(json, agentProperties.getProperty(AgentIdentity.REPORT_TEXT_OPTIONS_PROPERTY, ""));
    }

    /** A live report as read: the JSON report (version 1) and the options that shape its text. */
    public static final class Published {
        private final String json;
        private final String textOptions;

        Published(String json, String textOptions) {
            this.json = json;
            this.textOptions = textOptions;
        }

        /** The JSON report, as the agent's report file would hold it. */
        public String json() {
            return json;
        }

        /** Agent options ({@code grace}, {@code app}) the text report is rendered with. */
        public String textOptions() {
            return textOptions;
        }
    }
}
