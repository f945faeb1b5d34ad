package dev.closewait.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's contract where no target JVM is needed: help, usage errors, bad input. */
class CloseWaitCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CloseWaitCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void helpListsEveryCommandAndExitsZero() {
        assertEquals(0, run("--help"));
        // Each command on a line of its own in the Commands section, not merely a word somewhere in the text.
        String commands = out.toString().substring(out.toString().indexOf("Commands:"));
        for (String command : new String[] {"attach", "report", "check", "html", "list"}) {
            assertTrue(commands.lines().anyMatch(line -> line.matches("\\s+" + command + "\\s+\\S.*")),
                    command + " in: " + out);
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"attach", "report", "check", "list"}) {
            assertEquals(0, run(command, "--help"), command);
        }
        assertTrue(out.toString().contains("Exit status: 0 loaded or reconfigured; 2 bad input"), out::toString);
    }

    @Test
    void aLineNamingOneCommandGetsItUnderClosewaitWithItsWholeHelp() {
        for (String command : new String[] {"attach", "report", "check", "html", "list"}) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(command, "--help"), command);
            assertTrue(out.toString().startsWith("Usage: closewait " + command + " "), out::toString);
            assertTrue(out.toString().contains("Exit status:"), out::toString);
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("attach", "--help"));
        assertTrue(!out.toString().contains("%s") && out.toString().contains("interval="),
                "the attach help's footer gets its arguments: " + out);
    }

    @Test
    void unknownCommandAndMissingPidAreUsageErrorsWithStatus2() {
        assertEquals(2, run("bogus"));
        assertTrue(err.toString().contains("Unmatched argument"), err::toString);
        assertEquals(2, run("attach"));
        assertTrue(err.toString().contains("Missing required parameter: 'PID'"), err::toString);
    }

    @Test
    void noCommandPrintsTheUsageOnStandardErrorWithStatus2() {
        assertEquals(2, run());
        assertTrue(err.toString().startsWith("closewait: name a command") && err.toString().contains("Commands:"),
                err::toString);
        assertEquals("", out.toString());
    }

    @Test
    void helpNamesACommandsHelpOrListsThemAll() {
        assertEquals(0, run("help", "attach"));
        assertTrue(out.toString().startsWith("Usage: closewait attach "), out::toString);
        out.getBuffer().setLength(0);
        assertEquals(0, run("help"));
        assertTrue(out.toString().contains("Commands:") && out.toString().contains("check"), out::toString);
    }

    @Test
    void agentOptionsGivenAsSeveralArgumentsGetAHintToJoinThemWithCommas() {
        assertEquals(2, run("attach", "1", "interval=1s", "grace=2s"));
        assertTrue(err.toString().contains("Unmatched argument at index 3: 'grace=2s'"), err::toString);
        assertTrue(err.toString().contains("agent options are one argument, joined by commas"), err::toString);
        err.getBuffer().setLength(0);
        assertEquals(2, run("report", "1", "--jsn"));
        assertFalse(err.toString().contains("joined by commas"), err::toString);
    }

    @Test
    void pidThatIsNotANumberIsRefusedWithStatus2() {
        assertEquals(2, run("report", "java"));
        assertTrue(err.toString().contains("'java' is not a process id"), err::toString);
        assertEquals(2, run("attach", "-5"));
    }

    @Test
    void badAgentOptionsAreRefusedBeforeAnyAttach() {
        assertEquals(2, run("attach", "1", "grace=soon"));
        assertTrue(err.toString().contains("invalid agent options: option 'grace' has a malformed duration 'soon'"),
                err::toString);
    }

    @Test
    void versionIsTheAgentsOwn() {
        // From classes, as here, "dev"; from the jar, its manifest's (ShadedJarTest in it-tests runs the jar).
        assertEquals(0, run("--version"));
        assertEquals("closewait " + dev.closewait.agent.identity.AgentIdentity.version(), out.toString().strip());
    }
}
