package dev.closewait.agent.live;

import dev.closewait.agent.identity.AgentIdentity;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LiveReportPropertiesTest {

    /** A report with what Properties escapes: line breaks, separators, comment marks, non-Latin-1 text. */
    private static final String JSON = "{\n  \"thread\": \"Łódź-worker = #1: !x\",\n  \"url\": \"jdbc:x://db;password=****\"\n}\n";

    /** What the JVM answers: its agent properties, stored as {@code VMSupport} stores them. */
    private static byte[] jvmAnswer() throws IOException {
        Properties agent = new Properties();
        agent.setProperty("sun.java.command", "com.acme.Main");
        agent.setProperty("sun.jvm.args", "-javaagent:closewait-agent.jar=grace=1s");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        agent.store(out, null);
        return out.toByteArray();
    }

    /** What the attach client makes of the answer: {@code HotSpotVirtualMachine.getAgentProperties()} loads it so. */
    private static Properties asTheAttachClientReadsIt(byte[] answer) throws IOException {
        Properties read = new Properties();
        read.load(new ByteArrayInputStream(answer));
        return read;
    }

    @Test
    void theReportAppendedToTheJvmsAnswerReadsBackWithTheJvmsOwnProperties() throws IOException {
        Properties read = asTheAttachClientReadsIt(LiveReportProperties.append(jvmAnswer(), JSON, "grace=1s,app=com.acme."));

        assertEquals("com.acme.Main", read.getProperty("sun.java.command"));
        assertEquals("-javaagent:closewait-agent.jar=grace=1s", read.getProperty("sun.jvm.args"));
        LiveReportProperties.Published published = LiveReportProperties.read(read);
        assertEquals(JSON, published.json());
        assertEquals("grace=1s,app=com.acme.", published.textOptions());
        assertEquals(4, read.size(), "two properties added, nothing else: " + read.keySet());
    }

    @Test
    void anAnswerWhoseLastLineIsOpenDoesNotSwallowTheReportsKey() throws IOException {
        byte[] open = "sun.java.command=com.acme.Main".getBytes(StandardCharsets.ISO_8859_1);

        Properties read = asTheAttachClientReadsIt(LiveReportProperties.append(open, JSON, "grace=10s"));

        assertEquals("com.acme.Main", read.getProperty("sun.java.command"));
        assertEquals(JSON, LiveReportProperties.read(read).json());
    }

    @Test
    void anEmptyAnswerStillCarriesTheReport() throws IOException {
        Properties read = asTheAttachClientReadsIt(LiveReportProperties.append(new byte[0], JSON, "grace=10s"));

        assertEquals(JSON, read.getProperty(AgentIdentity.REPORT_PROPERTY));
    }

    @Test
    void agentPropertiesWithoutAReportHaveNone() throws IOException {
        assertNull(LiveReportProperties.read(asTheAttachClientReadsIt(jvmAnswer())));
    }

    @Test
    void missingTextOptionsReadAsNone() {
        Properties read = new Properties();
        read.setProperty(AgentIdentity.REPORT_PROPERTY, JSON);

        assertEquals("", LiveReportProperties.read(read).textOptions());
    }
}
