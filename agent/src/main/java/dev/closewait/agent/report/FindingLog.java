package dev.closewait.agent.report;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where human-readable findings go: standard error, a file (appended to), or nowhere. */
public final class FindingLog {

    private static final FindingLog OFF = new FindingLog(null, "off");

    private final PrintStream out;
    private final String description;

    private FindingLog(PrintStream out, String description) {
        this.out = out;
        this.description = description;
    }

    /** Standard error, as it is when the agent starts. */
    public static FindingLog stderr() {
        return new FindingLog(System.err, "stderr");
    }

    /** No output at all. */
    public static FindingLog off() {
        return OFF;
    }

    /** A file, opened for appending now so that a path that cannot be written fails at start-up. */
    public static FindingLog file(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        PrintStream stream = new PrintStream(new FileOutputStream(absolute.toFile(), true), true,
                StandardCharsets.UTF_8.name());
        return new FindingLog(stream, absolute.toString());
    }

    /** Writes text that already ends with a newline. */
    public void print(String text) {
        if (out != null) {
            out.print(text);
            out.flush();
        }
    }

    /** Whether anything is written at all. */
    public boolean isOn() {
        return out != null;
    }

    /** {@code stderr}, {@code off} or the file's path. */
    @Override
    public String toString() {
        return description;
    }
}
