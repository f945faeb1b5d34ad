package dev.closewait.it;

import dev.closewait.agent.OpenSockets;
import dev.closewait.junit.CloseWaitExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The JUnit extension in a JVM without the agent (this module's default test execution has none,
 * and does not allow self-attach): every test fails with the exact argLine to add.
 */
class CloseWaitExtensionWithoutAgentTest {

    @Test
    void failsEveryTestWithTheArgLineToAddWhenTheAgentIsMissing() {
        assertFalse(OpenSockets.agentRunning(), "this test needs a JVM without the agent");
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(AnySample.class)).execute();
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElseThrow();
        String message = failure.getMessage();
        assertTrue(message.contains("needs the closewait agent in this JVM"), message);
        assertTrue(message.contains("<argLine>@{argLine} -javaagent:"), message);
        assertTrue(message.contains("-Djdk.attach.allowAttachSelf=true"), message);
    }

    @ExtendWith(CloseWaitExtension.class)
    static class AnySample {
        @Test
        void nothing() {
            // the extension fails it before it runs
        }
    }
}
