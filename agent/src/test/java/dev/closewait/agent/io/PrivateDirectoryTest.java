package dev.closewait.agent.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PrivateDirectoryTest {

    @TempDir
    Path tmp;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theDirectoryAndItsFilesAreTheOwnersOnlyAndNamedAfterThisProcess() throws IOException {
        PrivateDirectory directory = PrivateDirectory.create(tmp);
        assertEquals("rwx------", mode(directory.path()));
        String name = directory.path().getFileName().toString();
        assertTrue(name.startsWith(PrivateDirectory.PREFIX + ThisProcess.identity() + "-"), name);
        assertTrue(name.contains("-" + ProcessHandle.current().pid() + "-"), name);
        Path file = directory.write("lib.so", new ByteArrayInputStream(new byte[] {1, 2, 3}));
        assertEquals("rw-------", mode(file));
        assertEquals(3, Files.size(file));
        directory.delete();
        assertFalse(Files.exists(directory.path()));
    }

    @Test
    void aFileIsNeverWrittenOverNorThroughALink() throws IOException {
        PrivateDirectory directory = PrivateDirectory.create(tmp);
        directory.write("a.jar", new ByteArrayInputStream(new byte[1]));
        assertThrows(FileAlreadyExistsException.class,
                () -> directory.write("a.jar", new ByteArrayInputStream(new byte[1])));
        Path target = Files.writeString(tmp.resolve("precious"), "keep");
        Files.createSymbolicLink(directory.path().resolve("b.jar"), target);
        assertThrows(FileAlreadyExistsException.class,
                () -> directory.write("b.jar", new ByteArrayInputStream(new byte[] {9})));
        assertEquals("keep", Files.readString(target));
        directory.delete();
        assertEquals("keep", Files.readString(target), "deleting the directory does not follow its links");
    }

    @Test
    void refusesATemporaryDirectoryOthersMayWriteToWithoutTheStickyBit() throws IOException {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setAttribute(open, "unix:mode", 0777);
        IOException refused = assertThrows(IOException.class, () -> PrivateDirectory.create(open));
        assertTrue(refused.getMessage().contains("writable by other users and has no sticky bit"), refused.getMessage());
        Files.setAttribute(open, "unix:mode", 01777);
        PrivateDirectory.create(open).delete();
    }

    @Test
    void refusesATemporaryDirectoryBelowOneItsGroupMayWriteTo() throws IOException {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Path mine = Files.createDirectory(shared.resolve("mine"));
        Files.setAttribute(shared, "unix:mode", 0770);

        IOException refused = assertThrows(IOException.class, () -> PrivateDirectory.create(mine));

        assertTrue(refused.getMessage().startsWith("the directory " + shared.toRealPath() + " above the temporary"
                + " directory " + mine + " is writable by other users and has no sticky bit"), refused.getMessage());
        Files.setAttribute(shared, "unix:mode", 0755);
        PrivateDirectory.create(mine).delete();
    }

    @Test
    void refusesATemporaryDirectoryOfAnotherUser() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "refusesATemporaryDirectoryOfAnotherUser gives a directory to user nobody, which only root can");
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setOwner(theirs, theirs.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        IOException refused = assertThrows(IOException.class, () -> PrivateDirectory.create(theirs));

        assertEquals("the temporary directory " + theirs + " belongs to nobody, who could swap the files closewait"
                + " puts there; start the JVM with -Djava.io.tmpdir=<a directory of its user's own>", refused.getMessage());
    }

    @Test
    void removesTheLeftoversOfGoneProcessesOnly() throws Exception {
        String self = ThisProcess.identity();
        String boot = self.substring(0, self.indexOf('-'));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        Path ofGone = Files.createDirectory(tmp.resolve(PrivateDirectory.PREFIX + boot + "-" + gone.pid() + "-1-a"));
        Files.writeString(ofGone.resolve("closewait-boot.jar"), "x");
        Path reused = Files.createDirectory(tmp.resolve(PrivateDirectory.PREFIX + boot + "-1-999999999-b"));
        Path mine = PrivateDirectory.create(tmp).path();
        Path otherBoot = Files.createDirectory(tmp.resolve(PrivateDirectory.PREFIX + "000000000001-" + gone.pid() + "-1-c"));
        Path link = Files.createSymbolicLink(tmp.resolve(PrivateDirectory.PREFIX + boot + "-" + gone.pid() + "-1-d"), ofGone);
        Path oldJar = Files.writeString(tmp.resolve("closewait-boot-1a2b.jar"), "x");
        Files.setLastModifiedTime(oldJar, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - PrivateDirectory.OLD_STYLE_AGE_MILLIS - 1000));
        Path freshJar = Files.writeString(tmp.resolve("closewait-boot-3c4d.jar"), "x");

        assertEquals(3, PrivateDirectory.removeLeftovers(tmp));

        assertFalse(Files.exists(ofGone), "its process is gone");
        assertFalse(Files.exists(reused), "pid 1 started at another tick than the name says");
        assertFalse(Files.exists(oldJar), "an earlier version's jar, long loaded");
        assertTrue(Files.isDirectory(mine), "this JVM's own");
        assertTrue(Files.isDirectory(otherBoot), "another boot's: its pids mean other processes");
        assertTrue(Files.isSymbolicLink(link), "a link is never followed nor taken for a directory of ours");
        assertTrue(Files.exists(freshJar), "an earlier version's jar that a starting JVM may still be loading");
    }
}
