package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.demo.run.KernelSockets;
import dev.closewait.it.scenarios.PlainSocketLeak;
import dev.closewait.it.scenarios.VirtualThreadSocketLeak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A socket leak found end to end, from the JVM's start to its exit: the scenario runs in its own JVM
 * with {@code -javaagent:} on the built, shaded agent jar, on every {@link Jdk} (a missing JDK's leg
 * is skipped with the reason). What the instrumentation sees of every other kind of socket is
 * pinned in this build's own JVM, faster: {@code dev.closewait.it.injvm.SocketLeaksInJvmTest}.
 */
class SocketLeakEndToEndTest {

    @TempDir
    Path work;

    /** Start-up on each JDK, the leak with its stack in the report and on stderr, and the verdict at exit. */
    @AcrossJdks
    void reportsPlainSocketLeftInCloseWaitWithItsCreationStack(Jdk jdk) throws Exception {
        EndToEnd.assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, EndToEnd.FAST)) {
            app.awaitStep("leaked", EndToEnd.REPORTED);
            int clientPort = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), EndToEnd.REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertEquals("CLOSE_WAIT", leak.path("state").asText());
            assertEquals("CONNECT", leak.path("origin").asText());
            assertEquals("127.0.0.1:" + clientPort, leak.path("local").asText());
            assertEquals("127.0.0.1:" + app.result("serverPort"), leak.path("remote").asText());
            assertEquals("main", leak.path("thread").asText());
            assertTrue(leak.path("closedAt").isNull());
            assertTrue(leak.path("jdbc").isNull());
            assertFalse(leak.path("openedAt").isNull());
            assertFalse(leak.path("closeWaitSince").isNull());
            List<String> stack = Report.stack(leak);
            assertTrue(stack.stream().anyMatch(f -> f.startsWith(
                    "dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection(PlainSocketLeak.java:")), stack::toString);
            assertTrue(stack.stream().noneMatch(f -> f.contains("dev.closewait.agent.") || f.contains("dev.closewait.shaded.")),
                    "agent frames are removed: " + stack);
            assertEquals(1, report.leaks().size(), report.json()::toString);
            assertEquals(Map.of("127.0.0.1:" + app.result("serverPort"), 1), KernelSockets.closeWaitByRemote(app.pid()),
                    "the report's CLOSE_WAIT sockets are the kernel's for the process");

            // The text block on stderr, with the application frame marked.
            String stderr = app.stderr();
            assertTrue(stderr.contains("LEAK #" + leak.path("id").asLong() + ": peer closed the connection"), app::describe);
            assertTrue(stderr.contains("=> dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection("), app::describe);
            assertTrue(stderr.contains("opened by thread \"main\""), app::describe);

            app.proceed();
            assertEquals(0, app.awaitExit(EndToEnd.EXIT), app::describe);
            Report last = app.finalReport();
            assertEquals("OPEN", last.leakWithLocalPort(clientPort).path("status").asText());
            assertTrue(app.stderr().contains("[closewait] summary: "), app::describe);
            assertTrue(app.stderr().contains("1 leak (1 OPEN)"), app::describe);
        }
    }

    /**
     * A leak opened on a virtual thread, on the newest JDK here (JDK 17 has none): the creation stack
     * still reaches the application's frame, and the thread is named by its id, as the JDK's
     * {@code toString()} begins, without the carrier of the moment.
     */
    @Test
    void namesTheVirtualThreadThatOpenedALeakAndTheApplicationFrame() throws Exception {
        Jdk jdk = Jdk.all().stream().filter(j -> j.present() && j.feature() >= 21).reduce((a, b) -> b).orElse(null);
        assumeTrue(jdk != null, () -> "no JDK with virtual threads (21 or later) here: " + Jdk.all());
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, VirtualThreadSocketLeak.class, EndToEnd.FAST)) {
            app.awaitStep("leaked", EndToEnd.REPORTED);
            int clientPort = app.intResult("clientPort");
            Report report = app.awaitReport(r -> r.hasLeak(clientPort, "OPEN"), EndToEnd.REPORTED);
            JsonNode leak = report.leakWithLocalPort(clientPort);
            assertEquals("VirtualThread[#" + app.result("threadId") + "]", leak.path("thread").asText(), leak::toString);
            List<String> stack = Report.stack(leak);
            assertTrue(stack.stream().anyMatch(f -> f.startsWith("dev.closewait.it.scenarios.VirtualThreadSocketLeak"
                    + ".openOrderConnection(VirtualThreadSocketLeak.java:")), stack::toString);
            app.proceed();
            assertEquals(0, app.awaitExit(EndToEnd.EXIT), app::describe);
        }
    }
}
