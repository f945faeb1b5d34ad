package dev.closewait.agent.io;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A directory of this JVM's own in {@code java.io.tmpdir}, for the few files the agent must put on
 * disk to load (its netlink library; its bootstrap bridge jar where the bridge cannot be defined in
 * memory). Another local user can neither
 * enter it nor swap what is in it, whatever the umask: it is made in one {@code mkdir} with mode
 * 0700, its files with mode 0600 and an exclusive create, and a temporary directory that others may
 * write to without the sticky bit is refused. Files are deleted as soon as they are loaded (the JVM
 * keeps them open), the directory when the agent no longer needs it.
 *
 * <p>Its name, {@code closewait-<boot id>-<pid>-<start ticks>-<random>}, says whose it is, so a
 * later start can remove the leftovers of JVMs that were killed ({@link #removeLeftovers()}). Only
 * {@code java.io} and file-system calls that load no socket class are used: this runs before the
 * agent can instrument the JDK's socket classes.
 */
public final class PrivateDirectory {

    /** Every directory of this kind starts with this. */
    static final String PREFIX = "closewait-";
    private static final FileAttribute<?> OWNER_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<?> OWNER_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** {@code st_mode} bits: the sticky bit, and the group's and others' write permission. */
    private static final int STICKY = 01000;
    private static final int GROUP_OR_OTHERS_WRITE = 0022;

    /** See {@link #isOldStyleFile}. */
    static final long OLD_STYLE_AGE_MILLIS = 10 * 60_000;

    private final Path directory;

    private PrivateDirectory(Path directory) {
        this.directory = directory;
    }

    /** Makes a new directory of this JVM's own in {@code java.io.tmpdir}. */
    public static PrivateDirectory create() throws IOException {
        return create(Path.of(System.getProperty("java.io.tmpdir")));
    }

    static PrivateDirectory create(Path parent) throws IOException {
        refuseUnsafe(parent);
        String owner = PREFIX + ThisProcess.identity() + "-";
        for (int attempt = 0; attempt < 16; attempt++) {
            Path candidate = parent.resolve(owner + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16));
            try {
                createOwnerOnly(candidate, true);
                return new PrivateDirectory(candidate);
            } catch (FileAlreadyExistsException taken) {
                // someone's file by that name: another name
            }
        }
        throw new IOException("cannot create a directory in " + parent + ": every name tried exists");
    }

    /**
     * Refuses a directory where another user could rename the agent's own directory away and put
     * another in its place: one that, or any directory above it, others (its group included) may
     * write to without the sticky bit, or that belongs to a user other than this one or root.
     */
    private static void refuseUnsafe(Path parent) throws IOException {
        String self = System.getProperty("user.name");
        Path real = parent.toRealPath();
        for (Path dir = real; dir != null; dir = dir.getParent()) {
            int mode;
            String owner;
            try {
                mode = (Integer) Files.getAttribute(dir, "unix:mode");
                owner = Files.getOwner(dir).getName();
            } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
                return; // Windows: the temporary directory is the user's own
            }
            String where = dir.equals(real) ? "the temporary directory " + parent
                    : "the directory " + dir + " above the temporary directory " + parent;
            if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new IOException(where + " is writable by other users and has no sticky bit, so files closewait"
                        + " puts there could be swapped; start the JVM with -Djava.io.tmpdir=<a directory of its user's"
                        + " own>");
            }
            if (!owner.equals("root") && !owner.equals(self)) {
                throw new IOException(where + " belongs to " + owner + ", who could swap the files closewait puts"
                        + " there; start the JVM with -Djava.io.tmpdir=<a directory of its user's own>");
            }
        }
    }

    private static void createOwnerOnly(Path path, boolean directory) throws IOException {
        try {
            if (directory) {
                Files.createDirectory(path, OWNER_DIRECTORY);
            } else {
                Files.createFile(path, OWNER_FILE);
            }
        } catch (UnsupportedOperationException notPosix) {
            if (directory) {
                Files.createDirectory(path);
            } else {
                Files.createFile(path);
            }
        }
    }

    /** A new, empty file {@code name} in this directory, readable and writable by its owner only. */
    public Path newFile(String name) throws IOException {
        Path file = directory.resolve(name);
        createOwnerOnly(file, false);
        return file;
    }

    /** Writes {@code content} to a new file {@code name} in this directory (never an existing one). */
    public Path write(String name, InputStream content) throws IOException {
        Path file = newFile(name);
        try (OutputStream out = new FileOutputStream(file.toFile())) {
            content.transferTo(out);
        }
        return file;
    }

    /** The directory. */
    public Path path() {
        return directory;
    }

    /** Deletes this directory and what is left in it. */
    public void delete() {
        deleteTree(directory);
    }

    /**
     * Deletes the directories of this kind that this user's earlier JVMs left behind (killed before
     * they could delete them): those whose process is gone, or whose pid now belongs to another
     * process. Never follows a link, never touches another user's or another boot's directory.
     *
     * @return how many were deleted
     */
    public static int removeLeftovers() {
        return removeLeftovers(Path.of(System.getProperty("java.io.tmpdir")));
    }

    static int removeLeftovers(Path parent) {
        File[] entries = parent.toFile().listFiles((dir, name) -> name.startsWith(PREFIX));
        if (entries == null) {
            return 0;
        }
        int removed = 0;
        long now = System.currentTimeMillis();
        for (File entry : entries) {
            Path path = entry.toPath();
            boolean leftover = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    ? ThisProcess.isLeftOverBy(entry.getName().substring(PREFIX.length()))
                    : isOldStyleFile(entry, now);
            if (leftover && ownedByThisUser(path) && deleteTree(path)) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * A bridge jar or netlink library that agents of before this directory wrote straight into the
     * temporary directory and never deleted. Those JVMs opened them within milliseconds of writing
     * them and need the file no longer, so one older than {@link #OLD_STYLE_AGE_MILLIS} can go.
     */
    private static boolean isOldStyleFile(File entry, long now) {
        return entry.getName().matches("closewait-(boot-[0-9a-f]+(-\\d+)?\\.jar|netlink-[0-9a-f]+(-\\d+)?\\.so)")
                && Files.isRegularFile(entry.toPath(), LinkOption.NOFOLLOW_LINKS)
                && now - entry.lastModified() > OLD_STYLE_AGE_MILLIS;
    }

    private static boolean ownedByThisUser(Path path) {
        try {
            return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException unknown) {
            return false;
        }
    }

    private static boolean deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failed) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
            return true;
        } catch (IOException | RuntimeException notDeleted) {
            return false;
        }
    }

    /** Names of the entries of this directory, for tests. */
    List<String> entries() {
        List<String> names = new ArrayList<>();
        String[] listed = directory.toFile().list();
        if (listed != null) {
            names.addAll(List.of(listed));
        }
        return names;
    }
}
