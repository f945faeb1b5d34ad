package dev.closewait.agent.output;

import dev.closewait.agent.detect.LeakReport;

import java.io.IOException;
import java.nio.file.Path;

/** A file rewritten whole from the report each time: the JSON report, the HTML page. */
interface RewrittenFile {

    /** Where it is written (absolute). */
    Path path();

    /** Writes it from {@code report}; throws, with why in a few words, when it cannot. */
    void write(LeakReport report) throws IOException;
}
