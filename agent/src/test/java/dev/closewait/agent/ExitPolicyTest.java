package dev.closewait.agent;

import dev.closewait.agent.boot.ConnectionEvents;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExitPolicyTest {

    private static final int UNKNOWN = ConnectionEvents.STATUS_UNKNOWN;
    private static final int LEAKED = AgentOptions.FAIL_ON_LEAK_STATUS;

    @Test
    void withoutFailOnLeakTheStatusIsLeftAlone() {
        assertEquals(0, ExitPolicy.statusToEndWith(false, 5, 0, false));
        assertEquals(UNKNOWN, ExitPolicy.statusToEndWith(false, 5, UNKNOWN, false));
    }

    @Test
    void aCleanRunIsLeftAlone() {
        assertEquals(0, ExitPolicy.statusToEndWith(true, 0, 0, false));
        assertEquals(UNKNOWN, ExitPolicy.statusToEndWith(true, 0, UNKNOWN, false));
    }

    @Test
    void aLeakingRunThatEndsNormallyEndsWithTheLeakStatus() {
        assertEquals(LEAKED, ExitPolicy.statusToEndWith(true, 1, 0, false), "System.exit(0)");
        assertEquals(LEAKED, ExitPolicy.statusToEndWith(true, 1, UNKNOWN, false), "main returned");
    }

    @Test
    void theApplicationsOwnFailureIsKept() {
        assertEquals(5, ExitPolicy.statusToEndWith(true, 1, 5, false), "System.exit(5)");
        assertEquals(UNKNOWN, ExitPolicy.statusToEndWith(true, 1, UNKNOWN, true),
                "main threw: the launcher's 1 is kept");
    }
}
