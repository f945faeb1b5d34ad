package dev.closewait.agent.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Whether a file that is already there may be appended to: a plain file of this user's own, or a
 * device ({@code /dev/null}, which only root can make). In a directory others may write to (with the
 * sticky bit, as {@code /tmp}), another user may have put a file of theirs there first, to read what
 * is appended, or a FIFO, whose open would block the JVM until someone reads it.
 */
public final class ExistingFile {

    /** {@code st_mode}'s file type bits, and a FIFO's. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    private ExistingFile() {
    }

    /** Why {@code path}, which exists, must not be appended to; {@code null} when it may (or is gone). */
    public static String problem(Path path) {
        BasicFileAttributes attributes;
        String owner;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
        } catch (NoSuchFileException gone) {
            return null;
        } catch (UnsupportedOperationException noOwners) {
            return null; // a file system without owners: nothing to tell apart
        } catch (IOException unreadable) {
            return FileProblem.reason(unreadable);
        }
        if (attributes.isSymbolicLink()) {
            return FileProblem.SYMBOLIC_LINK;
        }
        if (attributes.isDirectory()) {
            return FileProblem.DIRECTORY;
        }
        if (attributes.isOther()) {
            return isFifo(path) ? "it is a FIFO, whose open would wait for a reader: closewait does not write to one"
                    : null; // a device: the user's choice, and no other user can make one
        }
        String self = System.getProperty("user.name");
        if (!owner.equals(self)) {
            return "it belongs to " + owner + ", not to " + self + ": closewait appends only to a file of its own user";
        }
        return null;
    }

    private static boolean isFifo(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException unknown) {
            return true; // cannot tell: do not risk an open that blocks
        }
    }
}
