package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.ReportReader;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * The JSON report file, rewritten atomically ({@link OwnerOnlyFiles#replace}): a reader never sees
 * half a report, and the file is its owner's only.
 */
final class ReportFile implements RewrittenFile {

    private final Path path;
    private final JsonReport json;

    ReportFile(Path path, JsonReport json) {
        this.path = path.toAbsolutePath();
        this.json = json;
    }

    @Override
    public Path path() {
        return path;
    }

    /** Writes {@code report}; throws, with why in a few words (no temporary name), when it cannot. */
    @Override
    public synchronized void write(LeakReport report) throws IOException {
        try {
            OwnerOnlyFiles.replace(path, out -> json.write(report, out));
        } catch (FileSystemException failed) {
            throw new IOException(failed.getReason() != null ? failed.getReason() : failed.getClass().getSimpleName(),
                    failed);
        }
        long size = java.nio.file.Files.size(path);
        if (size > ReportReader.MAX_BYTES) {
            throw new TooLarge("is " + size + " bytes, more than check and html read (" + ReportReader.MAX_BYTES
                    + "): lower maxFindings (" + report.leaks().size() + " findings listed)");
        }
    }

    /** A report written whole that the agent's own readers would refuse as too large to be one. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }
}
