package dev.closewait.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OptionFiles}: what the agent would refuse of the options' files in another process, said before it gets there. */
class OptionFilesTest {

    private static final long TARGET = 4242;

    @TempDir
    Path dir;

    @Test
    void filesItCanUseAreNoProblemWithThePidOfTheTargetInTheirPath() throws IOException {
        Files.createDirectory(dir.resolve("run-" + TARGET));
        Path ignore = Files.writeString(dir.resolve("ignore.txt"), "frame:com.acme.Legacy.\n");

        assertNull(OptionFiles.problem(AgentOptions.parse("report=" + dir.resolve("run-{pid}/leaks.json") + ",html="
                + dir.resolve("leaks.html") + ",log=" + dir.resolve("cw.log") + ",ignore=" + ignore), TARGET));
        assertNull(OptionFiles.problem(AgentOptions.parse("log=off"), TARGET));
        assertNull(OptionFiles.problem(AgentOptions.defaults(), TARGET));
    }

    @Test
    void aDirectoryThatDoesNotExistForTheTargetsPidIsNamed() {
        Path report = dir.resolve("run-" + TARGET + "/leaks.json");

        assertEquals("the directory of " + report + " (option 'report') does not exist",
                OptionFiles.problem(AgentOptions.parse("report=" + dir.resolve("run-{pid}/leaks.json")), TARGET));
    }

    @Test
    void aLogThatIsADirectoryOrALinkIsRefusedAsTheAgentWouldRefuseIt() throws IOException {
        assertEquals("cannot write the log file " + dir + " (option 'log'): Is a directory",
                OptionFiles.problem(AgentOptions.parse("log=" + dir), TARGET));
        Path link = Files.createSymbolicLink(dir.resolve("cw.log"), Files.createFile(dir.resolve("elsewhere.log")));
        assertEquals("cannot write the log file " + link + " (option 'log'): it is a symbolic link, which closewait"
                + " does not follow", OptionFiles.problem(AgentOptions.parse("log=" + link), TARGET));
    }

    @Test
    void anIgnoreFileThatIsMissingOrHoldsABadRuleIsRefused() throws IOException {
        Path absent = dir.resolve("absent.txt");
        assertEquals("cannot read the ignore file " + absent + " (option 'ignore'): no such file or directory",
                OptionFiles.problem(AgentOptions.parse("ignore=" + absent), TARGET));

        Path bad = Files.writeString(dir.resolve("bad.txt"), "com.acme.Legacy\n");
        String problem = OptionFiles.problem(AgentOptions.parse("ignore=" + bad), TARGET);
        assertTrue(problem.startsWith("bad ignore file (option 'ignore'): ") && problem.contains("line 1"), problem);
    }
}
