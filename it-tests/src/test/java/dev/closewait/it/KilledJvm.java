package dev.closewait.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a JVM leaves in {@code /tmp} when the tests kill it (SIGKILL runs none of its exit code): its
 * attach socket {@code .java_pid<pid>} and its perf data file {@code hsperfdata_<user>/<pid>}; and the
 * perf data directory of a throwaway user the tests removed. The tests leave the host as they found it.
 */
public final class KilledJvm {

    private static final Path TMP = Path.of("/tmp");

    private KilledJvm() {
    }

    /** Kills {@code process} (SIGKILL), waits for it, and removes what it left. */
    public static void kill(Process process) {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                return; // still dying: its files may still be in use
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
        }
        removeFilesOf(process.pid());
    }

    /**
     * Kills every process under {@code process} first, then {@code process} (SIGKILL), waits for
     * each, and removes what the JVMs among them left. For a JVM started through another command,
     * such as {@code runuser -u <user> -- java ...}: SIGKILL on runuser alone leaves its JVM running
     * as that user, and {@code userdel} then refuses to remove the user.
     */
    public static void killWithDescendants(Process process) {
        List<ProcessHandle> below = process.descendants().collect(Collectors.toList());
        below.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle descendant : below) {
            try {
                descendant.onExit().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException stillDying) {
                continue; // still dying: its files may still be in use
            }
            removeFilesOf(descendant.pid());
        }
        kill(process);
    }

    private static void removeFilesOf(long processId) {
        String pid = Long.toString(processId);
        try {
            Files.deleteIfExists(TMP.resolve(".java_pid" + pid));
            try (DirectoryStream<Path> perfData = Files.newDirectoryStream(TMP, "hsperfdata_*")) {
                for (Path dir : perfData) {
                    Files.deleteIfExists(dir.resolve(pid));
                }
            }
        } catch (IOException ignored) {
            // another user's directory, or gone meanwhile: nothing of ours is left there
        }
    }

    /** Removes {@code /tmp/hsperfdata_<user>}, which the JVMs of a removed throwaway user leave behind. */
    public static void removePerfDataOf(String user) throws IOException {
        Path dir = TMP.resolve("hsperfdata_" + user);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }
}
