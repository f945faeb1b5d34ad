package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.JsonReport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The JSON report file, rewritten atomically: written next to the target, then renamed over it,
 * so a reader never sees half a report.
 */
final class ReportFile {

    private final Path path;
    private final JsonReport json;

    ReportFile(Path path, JsonReport json) {
        this.path = path.toAbsolutePath();
        this.json = json;
    }

    Path path() {
        return path;
    }

    /** Writes {@code report}; throws with the report's path in the message when it cannot. */
    synchronized void write(LeakReport report) throws IOException {
        // A plain new file (not createTempFile, which is owner-only) so the report gets the usual umask mode.
        Path temp = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                json.write(report, out);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException failed) {
            throw new IOException("cannot write " + path + ": " + failed, failed);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
