package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.AppFrames;
import dev.closewait.agent.report.HtmlReport;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.ReportReader;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * The HTML page of a report, written like the report file ({@link OwnerOnlyFiles#replace}: owner
 * only, atomically, never through a link). The agent's page is rendered from its report written as
 * JSON and read back, so that it is the page {@code java -jar closewait-agent.jar html} makes of the
 * report file: one renderer, one input.
 */
public final class HtmlPageFile implements RewrittenFile {

    private final Path path;
    private final JsonReport json;
    private final HtmlReport html;

    HtmlPageFile(Path path, JsonReport json, AppFrames frames) {
        this.path = path.toAbsolutePath();
        this.json = json;
        this.html = new HtmlReport(frames);
    }

    @Override
    public Path path() {
        return path;
    }

    /** Writes the page of {@code report}, as read back from its JSON. */
    @Override
    public synchronized void write(LeakReport report) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        json.write(report, bytes);
        ReportReader.Read read;
        try {
            read = ReportReader.read(new ByteArrayInputStream(bytes.toByteArray()), "the report");
        } catch (ReportReader.Unreadable notReadBack) {
            throw new IOException("the report does not read back: " + notReadBack.getMessage(), notReadBack);
        }
        write(path, read, html);
    }

    /** Where a report's page goes by default: next to it, {@code leaks.json} -> {@code leaks.html} (other names get {@code .html}). */
    public static Path nextTo(Path report) {
        String name = report.getFileName().toString();
        return report.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".html");
    }

    /**
     * Writes the page of {@code read} to {@code target}, readable by its owner only, replacing it
     * atomically; the CLI's {@code html} and the Maven plugin's {@code check} write with it.
     *
     * @throws IOException with why in a few words (no temporary name)
     */
    public static void write(Path target, ReportReader.Read read, AppFrames frames) throws IOException {
        write(target, read, new HtmlReport(frames));
    }

    private static void write(Path target, ReportReader.Read read, HtmlReport html) throws IOException {
        try {
            OwnerOnlyFiles.replace(target.toAbsolutePath(), out -> html.write(read, out));
        } catch (FileSystemException failed) {
            throw new IOException(failed.getReason() != null ? failed.getReason() : failed.getClass().getSimpleName(),
                    failed);
        }
    }
}
