package dev.closewait.agent;

import dev.closewait.agent.detect.LeakReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Settings}: an ignore file that cannot be used is refused with the reason, said once. */
class SettingsTest {

    private static final LeakReport EMPTY = new LeakReport(1, 0, 0, 0, 1000, List.of());

    @TempDir
    Path dir;

    @Test
    void aMissingIgnoreFileIsSaidToBeMissing() {
        Path absent = dir.resolve("absent.txt");

        StartupException refused = assertThrows(StartupException.class,
                () -> Settings.open(AgentOptions.parse("ignore=" + absent), () -> EMPTY, message -> { }));

        assertEquals("cannot read the ignore file " + absent + " (option 'ignore'): no such file or directory",
                refused.getMessage());
    }

    @Test
    void anIgnoreFileInADirectoryThatDoesNotExistIsSaidOnce() {
        Path absent = dir.resolve("no-such-dir/ignore.txt");

        StartupException refused = assertThrows(StartupException.class,
                () -> Settings.open(AgentOptions.parse("ignore=" + absent), () -> EMPTY, message -> { }));

        assertEquals("the directory of " + absent + " (option 'ignore') does not exist", refused.getMessage());
    }
}
