package dev.closewait.agent.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThisProcessTest {

    @Test
    void pidIsTheOneTheJdkKnows() {
        assertEquals(ProcessHandle.current().pid(), ThisProcess.pid());
    }

    @Test
    void identityNamesThisBootThisPidAndItsStartTicks() {
        String[] parts = ThisProcess.identity().split("-");
        assertEquals(3, parts.length, ThisProcess.identity());
        assertTrue(parts[0].matches("[0-9a-f]{12}"), parts[0]);
        assertEquals(Long.toString(ProcessHandle.current().pid()), parts[1]);
        assertTrue(parts[2].matches("[1-9][0-9]*"), "start ticks from /proc/self/stat: " + parts[2]);
    }
}
