package dev.closewait.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Runs JMH forks on one CPU with {@code taskset}, for benchmarks whose two busy threads ping-pong.
 * On this 2-vCPU virtual machine, a loopback round trip between two threads took 15, 30 or 60 µs
 * from fork to fork, depending on whether the scheduler put them on one vCPU or two (waking an idle
 * vCPU goes through the hypervisor); pinned, it took 15 µs in every fork. Both sides are pinned alike.
 */
final class CpuPinning {

    private CpuPinning() {
    }

    /**
     * A script that runs {@code java} pinned to the last CPU, to pass to JMH as the forks' JVM; or
     * {@code null} where {@code taskset} is not available (the forks then run unpinned).
     */
    static String pinnedJava(String java) {
        if (!tasksetWorks()) {
            return null;
        }
        int cpu = Runtime.getRuntime().availableProcessors() - 1;
        try {
            Path script = Files.createTempFile("closewait-pinned-java-", ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            script.toFile().deleteOnExit();
            Files.writeString(script, "#!/bin/sh\nexec taskset -c " + cpu + " '" + java.replace("'", "'\\''")
                    + "' \"$@\"\n");
            return script.toString();
        } catch (IOException | UnsupportedOperationException cannot) {
            return null;
        }
    }

    /** One line for the results: how the pinned benchmarks ran. */
    static String describe(String pinnedJava) {
        return pinnedJava == null ? "unpinned (no taskset here)"
                : "pinned to CPU " + (Runtime.getRuntime().availableProcessors() - 1) + " with taskset";
    }

    private static boolean tasksetWorks() {
        return ChildJvm.succeeds(List.of("taskset", "-c", "0", "true"));
    }
}
