package dev.closewait.it.injvm;

import dev.closewait.it.Report;
import dev.closewait.it.scenarios.KernelTcpTable;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static dev.closewait.it.injvm.AgentInThisJvm.awaitReport;
import static dev.closewait.it.injvm.AgentInThisJvm.hasLeak;
import static dev.closewait.it.injvm.AgentInThisJvm.leak;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JFR output: a JVM that records nothing never has Flight Recorder set up by the agent, and a
 * recording started later (as {@code jcmd JFR.start} would) gets the findings from then on.
 */
class JfrInJvmTest {

    private static final String EVENT = "dev.closewait.ConnectionLeak";

    @Test
    void findingsSetUpNoFlightRecorderUntilARecordingStartsAndThenReachIt(@TempDir Path work) throws Exception {
        assertFalse(FlightRecorder.isInitialized(), "no test of this suite but this one starts Flight Recorder");
        long mark = AgentInThisJvm.mark();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 50, loopback);
             Socket beforeRecording = new Socket(loopback, server.getLocalPort())) {
            server.accept().close();
            KernelTcpTable.awaitCloseWait(beforeRecording.getLocalPort());
            awaitReport(r -> hasLeak(r, mark, beforeRecording.getLocalPort(), "OPEN"));
            assertFalse(FlightRecorder.isInitialized(), "a finding in a JVM without a recording starts no Flight Recorder");
            assertFalse(FlightRecorder.getFlightRecorder().getEventTypes().stream().anyMatch(t -> t.getName().equals(EVENT)),
                    "nor does it set up the agent's event class, with JFR's machinery behind it");

            Path dump = work.resolve("leaks.jfr");
            try (Recording recording = new Recording()) {
                recording.enable(EVENT);
                recording.start();
                // Opened by a thread whose name holds a newline and an escape: the event's text fields are printable.
                String name = Thread.currentThread().getName();
                Socket opened;
                try {
                    Thread.currentThread().setName("jfr\n[closewait] forged\u001b[2J");
                    opened = new Socket(loopback, server.getLocalPort());
                } finally {
                    Thread.currentThread().setName(name);
                }
                try (Socket duringRecording = opened) {
                    server.accept().close();
                    KernelTcpTable.awaitCloseWait(duringRecording.getLocalPort());
                    Report report = awaitReport(r -> hasLeak(r, mark, duringRecording.getLocalPort(), "OPEN"));
                    long id = leak(report, mark, duringRecording.getLocalPort()).path("id").asLong();
                    recording.stop();
                    recording.dump(dump);

                    List<RecordedEvent> events = RecordingFile.readAllEvents(dump).stream()
                            .filter(e -> e.getEventType().getName().equals(EVENT)).collect(Collectors.toList());
                    assertTrue(events.stream().anyMatch(e -> e.getLong("leakId") == id
                                    && "OPEN".equals(e.getString("status"))
                                    && e.getString("local").endsWith(":" + duringRecording.getLocalPort())
                                    && e.getString("stack").contains("JfrInJvmTest.findingsSetUp")
                                    && "jfr\\n[closewait] forged\\u001b[2J".equals(e.getString("thread"))),
                            "the finding made while recording is in the recording: " + events);
                    assertEquals(List.of(), events.stream().filter(e -> e.getString("local").endsWith(":" + beforeRecording.getLocalPort()))
                            .collect(Collectors.toList()), "the finding made before the recording started is not");
                }
            }
        }
    }
}
