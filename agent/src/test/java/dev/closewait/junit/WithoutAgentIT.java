package dev.closewait.junit;

import dev.closewait.agent.identity.AgentIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extension in a JVM with neither the agent nor self-attach (agent/pom.xml, Failsafe execution
 * junit-extension-without-agent): every test fails with the exact argLine to add, with the Maven
 * plugin and without.
 */
class WithoutAgentIT {

    @Test
    void aTestFailsWithTheExactArgLineWithThePluginAndWithout() {
        Path jar = AgentIdentity.ownJar();
        assertNotNull(jar, "Failsafe runs these tests on the built jar");
        EngineExecutionResults results = Samples.run(AnyTest.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = Samples.failure(results, "anything");
        assertEquals(IllegalStateException.class, failure.getClass(), String.valueOf(failure));
        String message = failure.getMessage();
        assertTrue(message.startsWith("closewait's JUnit extension needs the closewait agent in this JVM: it was not"
                + " started with the JVM, and the JVM does not allow self-attach"), message);
        assertTrue(message.contains("<artifactId>closewait-maven-plugin</artifactId>"), message);
        assertTrue(message.contains("<goal>prepare-agent</goal>"), message);
        assertTrue(message.contains("<argLine>@{argLine} -javaagent:" + jar + "</argLine>"), message);
        assertTrue(message.contains("<argLine></argLine> in the POM's <properties>"), message);
        assertTrue(message.contains("<argLine>@{argLine} -Djdk.attach.allowAttachSelf=true</argLine>"), message);
    }

    @ExtendWith(CloseWaitExtension.class)
    static class AnyTest {
        @Test
        void anything() {
        }
    }
}
