package dev.closewait.it.picture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.EndToEnd;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The server side of the story, end to end: a server JVM with the agent on the built, shaded jar,
 * and its clients in another JVM without it, which never close. The server names them in
 * {@code peersNotClosing[]}, by client host, with the stacks that accepted and closed their
 * connections, and the half-closed socket it still owns with its stack; none of it is a CLOSE_WAIT
 * leak. On every {@link Jdk}.
 */
class PeersNotClosingEndToEndTest {

    static final String FAST = EndToEnd.FAST;
    static final Duration STEP = Duration.ofSeconds(30);
    static final Duration EXIT = Duration.ofSeconds(60);
    /** Connections from 127.0.0.1 the server closes, and how many of them before the agent has seen their peer not finish closing. */
    static final int CLOSED = 6;
    static final int CLOSED_FIRST = 2;
    static final String SCENARIO = "dev.closewait.it.picture.ServerLeftByItsClients.";

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aServerNamesItsClientsInAnotherProcessThatNeverFinishClosingWithTheStacksThatAcceptedAndClosedThem(Jdk jdk)
            throws Exception {
        assumePresent(jdk);
        Path clientsDir = Files.createDirectory(work.resolve("clients"));
        try (ScenarioProcess server = ScenarioProcess.start(jdk, work, ServerLeftByItsClients.class, FAST,
                String.valueOf(CLOSED), String.valueOf(CLOSED_FIRST))) {
            server.awaitStep("listening", STEP);
            String oldest;
            try (ScenarioProcess clients = ScenarioProcess.startWithoutAgent(jdk, clientsDir, ClientsThatNeverClose.class,
                    List.of(), clientsDir.resolve("none.json"), server.result("serverPort"), String.valueOf(CLOSED))) {
                clients.awaitStep("connected", STEP);
                server.proceed();
                server.awaitStep("firstClosed", STEP);

                // The first closes: listed as soon as a scan sees them (a row is FIN_WAIT_1 until the
                // client's ACK, so a scan may see one of them first); once a later scan sees them
                // still there, their peer is one that does not finish closing, news for the log.
                Report first = server.awaitReport(r -> peer(r, "127.0.0.1") != null
                        && peer(r, "127.0.0.1").path("count").asInt() == CLOSED_FIRST, STEP);
                JsonNode early = peer(first, "127.0.0.1");
                assertEquals(CLOSED_FIRST, early.path("count").asInt(), early::toString);
                assertTrue(early.path("closedBy").isNull(),
                        "closes keep no stack until their peer was seen not finishing its close: " + early);
                server.awaitStderr("client 127.0.0.1 does not finish closing: " + CLOSED_FIRST + " connections", STEP);
                assertHasFrame(early.path("openedBy"), SCENARIO + "acceptOrder(");
                oldest = early.path("oldestSince").asText();

                server.proceed();
                server.awaitStep("allClosed", STEP);
                assertEquals(CLOSED + 1, server.intResult("mbeanPeersNotClosing"),
                        "the MBean's PeersNotClosing: every FIN_WAIT_2 socket of the server, all clients");
                server.proceed();
                assertEquals(0, server.awaitExit(EXIT), server::describe);
            }
            Report last = server.finalReport();
            String stderr = server.stderr();

            JsonNode leaking = peer(last, "127.0.0.1");
            assertNotNull(leaking, last.json()::toString);
            assertTrue(leaking.path("accepted").asBoolean(), leaking::toString);
            assertEquals(CLOSED, leaking.path("count").asInt(), leaking::toString);
            assertTrue(leaking.path("seenBefore").asBoolean(), "earlier scans saw its rows too: " + leaking);
            assertEquals(0, leaking.path("halfClosed").asInt(), "closed, none only half-closed: " + leaking);
            assertEquals(oldest, leaking.path("oldestSince").asText(), "the oldest is the first one closed");
            assertTrue(Instant.parse(oldest).toEpochMilli() <= Long.parseLong(server.result("allClosedAt")), oldest);
            assertHasFrame(leaking.path("openedBy"), SCENARIO + "acceptOrder(");
            assertHasFrame(leaking.path("closedBy"), SCENARIO + "closeIdle(");
            assertEquals(0, leaking.path("sockets").size(), "closed sockets are no one's to name: " + leaking);

            JsonNode halfClosing = peer(last, ServerLeftByItsClients.HALF_CLOSING_HOST);
            assertNotNull(halfClosing, last.json()::toString);
            assertTrue(halfClosing.path("accepted").asBoolean(), halfClosing::toString);
            assertEquals(1, halfClosing.path("count").asInt(), halfClosing::toString);
            assertEquals(1, halfClosing.path("halfClosed").asInt(), halfClosing::toString);
            assertEquals(1, halfClosing.path("sockets").size(), halfClosing::toString);
            JsonNode named = halfClosing.path("sockets").get(0);
            assertEquals("127.0.0.1:" + server.result("serverPort"), named.path("local").asText(), named::toString);
            assertHasFrame(named.path("stack"), SCENARIO + "acceptOrder(");
            assertFalse(named.path("since").asText().isEmpty(), named::toString);

            assertEquals(2, last.json().path("peersNotClosing").size(), last.json()::toString);
            assertTrue(last.leaks().isEmpty(), "FIN_WAIT_2 is the clients' fault, no CLOSE_WAIT leak of this JVM: "
                    + last.json());
            assertEquals(0, last.summary("leaks"), last.json()::toString);
            assertEquals(0, last.json().path("portPressure").size(),
                    "accepted connections hold no ephemeral port of this JVM: " + last.json());

            // The summary at exit ends with a line per peer, the half-closed socket under its own.
            String summary = stderr.substring(stderr.lastIndexOf("[closewait] summary: "));
            assertTrue(summary.contains("[closewait] client 127.0.0.1 does not finish closing: " + CLOSED
                    + " connections this server closed are in FIN_WAIT_2 (oldest "), server::describe);
            assertTrue(summary.contains("; closed by the application at " + SCENARIO + "closeIdle("), server::describe);
            assertTrue(summary.contains("; opened at " + SCENARIO + "acceptOrder("), server::describe);
            assertTrue(summary.contains("[closewait] client 127.0.0.2 does not finish closing: 1 connection this server"
                    + " closed is in FIN_WAIT_2 (oldest "), server::describe);
            assertTrue(summary.contains("1 of them only shut down for output and still open"), server::describe);
            assertTrue(summary.matches("(?s).*#\\d+ +half-closed 127\\.0\\.0\\.1:" + server.result("serverPort") + " +"
                    + SCENARIO.replace(".", "\\.") + "acceptOrder\\(.*, waiting .*"), server::describe);
            assertFalse(stderr.contains("LEAK #"), server::describe);
        }
    }

    /** The {@code peersNotClosing} entry of {@code remote}, or {@code null}. */
    static JsonNode peer(Report report, String remote) {
        for (JsonNode peer : report.json().path("peersNotClosing")) {
            if (peer.path("remote").asText().equals(remote)) {
                return peer;
            }
        }
        return null;
    }

    static void assertHasFrame(JsonNode frames, String prefix) {
        List<String> stack = new ArrayList<>();
        frames.forEach(frame -> stack.add(frame.asText()));
        assertTrue(stack.stream().anyMatch(frame -> frame.startsWith(prefix)), prefix + " in " + frames);
        assertTrue(stack.stream().noneMatch(frame -> frame.contains("dev.closewait.agent.")
                || frame.contains("dev.closewait.shaded.")), "agent frames are removed: " + frames);
    }

    static void assumePresent(Jdk jdk) {
        EndToEnd.assumePresent(jdk);
    }
}
