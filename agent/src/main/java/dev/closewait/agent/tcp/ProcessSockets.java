package dev.closewait.agent.tcp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;

/**
 * The sockets this process holds, as the kernel knows them: the inodes behind
 * {@code /proc/self/fd/*} links of the form {@code socket:[12345]}. Matched against the TCP
 * table's inode column, they are the process's own connections, whoever opened them.
 */
public final class ProcessSockets {

    private static final String PREFIX = "socket:[";

    private ProcessSockets() {
    }

    /** Whether this platform can tell (Linux with /proc). */
    public static boolean isAvailable() {
        return Files.isDirectory(Paths.get("/proc/self/fd"));
    }

    /** The inode of the socket behind this process's descriptor {@code fd}, or 0 (not a socket, or no {@code /proc}). */
    public static long inodeOf(int fd) {
        try {
            return inode(Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd)).toString());
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }

    /** {@code socket:[12345]} -> 12345; anything else -> 0. */
    private static long inode(String target) {
        if (target.startsWith(PREFIX) && target.endsWith("]")) {
            try {
                return Long.parseLong(target.substring(PREFIX.length(), target.length() - 1));
            } catch (NumberFormatException notAnInode) {
                return 0;
            }
        }
        return 0;
    }

    /** The inodes of every socket descriptor this process holds now. */
    public static Set<Long> inodes() throws IOException {
        return inodes(Paths.get("/proc/self/fd"));
    }

    /** The socket inodes behind the links in {@code fdDirectory}; links that vanish meanwhile are skipped. */
    static Set<Long> inodes(Path fdDirectory) throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDirectory)) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                long inode = inode(target);
                if (inode != 0) {
                    inodes.add(inode);
                }
            }
        }
        return inodes;
    }
}
