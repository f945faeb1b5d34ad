package dev.closewait.junit;

import dev.closewait.agent.identity.AgentIdentity;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extension in a JVM started without the agent but with {@code -Djdk.attach.allowAttachSelf=true}
 * (agent/pom.xml, Failsafe execution junit-extension-self-attach): the first test loads the agent,
 * and the agent then really tracks sockets. Nothing here may touch the agent's classes before that
 * first sample test ran, as a user's test would not.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SelfAttachIT {

    /** Every run names the same ignore file: the first one's is what the extension loads the agent with. */
    private static EngineExecutionResults run(Class<?> sample) {
        return Samples.run(sample, Map.of(CloseWaitExtension.IGNORE, WithAgentIT.TEST_IGNORE.toString()));
    }

    @Test
    @Order(1)
    void theFirstTestLoadsTheAgentAndALeakFailsIt() {
        assertNull(System.getProperty(AgentIdentity.RUNNING_PROPERTY), "this JVM starts without the agent");
        EngineExecutionResults results = run(LeavesCloseWait.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        String message = Samples.failure(results, "leak").getMessage();
        assertTrue(message.startsWith("leak() left 1 socket in CLOSE_WAIT"), message);
        assertTrue(message.contains("=> dev.closewait.junit.SelfAttachIT$LeavesCloseWait.leak("), message);
    }

    @Test
    @Order(2)
    void theBridgeIsTheBootstrapClassPathsOnly() throws Exception {
        assertTrue(System.getProperty(AgentIdentity.RUNNING_PROPERTY) != null, "the agent runs now");
        for (String bridge : new String[] {"dev.closewait.agent.boot.EventBridge", "dev.closewait.agent.boot.ConnectionEvents"}) {
            assertNull(Class.forName(bridge).getClassLoader(), bridge + " comes from the bootstrap class path");
        }
    }

    @Test
    @Order(3)
    void aTestThatClosesWhatItOpensPasses() {
        run(ClosesWhatItOpens.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    @Order(4)
    void theIgnoreFileTheAgentWasLoadedWithLetsAKnownLeakPass() {
        run(KnownLeakByParameter.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        assertEquals(WithAgentIT.TEST_IGNORE.normalize(), KnownLeaks.agentRules().file(),
                "the agent applies the file the extension named when it loaded it");
    }

    @ExtendWith(CloseWaitExtension.class)
    static class LeavesCloseWait {
        @Test
        void leak() throws Exception {
            Samples.leakInCloseWait();
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class ClosesWhatItOpens {
        @Test
        void closes() throws Exception {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Samples.closingServer())) {
                Samples.awaitPeerClose(socket);
            }
        }
    }

    @ExtendWith(CloseWaitExtension.class)
    static class KnownLeakByParameter {
        @Test
        void leaksAKnownLeak() throws Exception {
            Samples.leakInCloseWait();
        }
    }
}
