package dev.closewait.agent.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link FileProblem}: the reason of the JDK's real file exceptions, not their path again. */
class FileProblemTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFileIsSaidSo() {
        IOException missing = assertThrows(IOException.class, () -> Files.readAllLines(dir.resolve("absent.txt")));

        assertEquals("no such file or directory", FileProblem.reason(missing));
    }

    @Test
    void aDirectoryOpenedAsAFileIsSaidSo() {
        IOException directory = assertThrows(IOException.class,
                () -> Files.newOutputStream(dir, StandardOpenOption.APPEND, StandardOpenOption.CREATE).close());

        assertEquals("Is a directory", FileProblem.reason(directory));
    }

    @Test
    void aLinkOpenedWithoutFollowingLinksIsSaidToBeALink() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.log"), Files.createFile(dir.resolve("target.log")));

        IOException refused = assertThrows(IOException.class, () -> Files.newByteChannel(link,
                java.util.Set.of(StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)).close());

        assertEquals("it is a symbolic link, which closewait does not follow", FileProblem.reason(refused));
    }

    @Test
    void aFileExceptionWrappedInAnotherIsFoundAmongTheCauses() {
        IOException wrapped = new IOException("writing the report", new NoSuchFileException("/x/leaks.json"));

        assertEquals("no such file or directory", FileProblem.reason(wrapped));
    }

    @Test
    void anyOtherProblemKeepsItsMessageOrItsTypeWithoutOne() {
        assertEquals("the disk is full", FileProblem.reason(new IOException("the disk is full")));
        assertEquals("IOException", FileProblem.reason(new IOException()));
    }
}
