package dev.closewait.agent.output;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.Option;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.ScanOutcome;
import dev.closewait.agent.identity.AgentIdentity;
import dev.closewait.agent.io.FileProblem;
import dev.closewait.agent.io.ThisProcess;
import dev.closewait.agent.report.AppFrames;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.report.TextReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every output the options ask for, built by {@link #open}: the text log, the JSON report file
 * ({@code report}), its HTML page ({@code html}), JFR, and {@code failOnLeak}'s notice. A reconfigured agent opens new outputs,
 * swaps them in, and closes the old ones.
 */
public final class Outputs {

    private final TextLog log;
    private final FileOutput report;
    private final FileOutput page;
    private final TextReport text;
    private final List<Output> all;

    private Outputs(TextLog log, FileOutput report, FileOutput page, TextReport text, List<Output> all) {
        this.log = log;
        this.report = report;
        this.page = page;
        this.text = text;
        this.all = List.copyOf(all);
    }

    /** The text of reports, with the application frames of the option {@code app}. */
    public TextReport text() {
        return text;
    }

    /**
     * Opens the outputs {@code options} ask for, and writes {@code current} to the report file to
     * prove it can be written ({@code current} is asked for only when a file output is).
     *
     * @param warn where an output's later problems go (a report that cannot be rewritten)
     * @throws IOException saying which option's file cannot be written, and why
     */
    public static Outputs open(AgentOptions options, Supplier<LeakReport> current, Consumer<String> warn) throws IOException {
        FileOutput report = options.report() == null ? null : openFile(Option.REPORT, "the report file",
                new ReportFile(path(Option.REPORT, options.report()), new JsonReport(AgentIdentity.version())),
                current, warn);
        FileOutput page = options.html() == null ? null : openFile(Option.HTML, "the HTML page",
                new HtmlPageFile(path(Option.HTML, options.html()), new JsonReport(AgentIdentity.version()),
                        AppFrames.of(options.app())), current, warn);
        TextReport text = new TextReport(AppFrames.of(options.app()));
        TextLog log = openLog(options.log(), report == null ? null : report.toString(), text);
        // The report and its page last: whoever sees a finding there (a test, a script) finds it in the log and a
        // JFR recording already.
        List<Output> all = new ArrayList<>();
        all.add(log);
        all.add(JfrOutput.forThisRuntime());
        if (report != null) {
            all.add(report);
        }
        if (page != null) {
            all.add(page);
        }
        if (options.failOnLeak()) {
            all.add(new FailOnLeakNotice(text, Option.LOG_STDERR.equals(options.log())));
        }
        return new Outputs(log, report, page, text, all);
    }

    private static FileOutput openFile(Option option, String what, RewrittenFile file, Supplier<LeakReport> current,
                                       Consumer<String> warn) throws IOException {
        FileOutput output = new FileOutput(file, what, warn);
        try {
            output.proveWritable(current.get());
        } catch (IOException | RuntimeException unwritable) {
            throw new IOException("cannot write " + output.describe() + " (option '" + option.key() + "'): "
                    + FileProblem.reason(unwritable), unwritable);
        }
        return output;
    }

    private static TextLog openLog(String value, String reportLocation, TextReport text) throws IOException {
        if (Option.LOG_STDERR.equals(value)) {
            return TextLog.stderr(reportLocation, text);
        }
        if (Option.LOG_OFF.equals(value)) {
            return TextLog.off();
        }
        Path path = path(Option.LOG, value);
        try {
            return TextLog.file(path, reportLocation, text);
        } catch (IOException | RuntimeException unwritable) {
            throw new IOException("cannot write the log file " + path + " (option '" + Option.LOG.key() + "'): "
                    + FileProblem.reason(unwritable), unwritable);
        }
    }

    /** {@code value} as an absolute path whose directory exists, {@code {pid}} replaced by this process's id. */
    public static Path path(Option option, String value) throws IOException {
        return path(option, value, ThisProcess.pid());
    }

    /** {@code value} as an absolute path whose directory exists, {@code {pid}} replaced by {@code pid}. */
    public static Path path(Option option, String value, long pid) throws IOException {
        try {
            Path path = Paths.get(value.replace(Option.PID_PLACEHOLDER, Long.toString(pid))).toAbsolutePath();
            Path dir = path.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IOException("the directory of " + path + " (option '" + option.key() + "') does not exist");
            }
            return path;
        } catch (InvalidPathException bad) {
            throw new IOException("option '" + option.key() + "' is not a valid path: " + value, bad);
        }
    }

    /** The text log: findings' words, and the agent's own notes. */
    public TextLog log() {
        return log;
    }

    /** The report file's path, or {@code null} without one. */
    public String reportLocation() {
        return report == null ? null : report.toString();
    }

    /** The HTML page's path, or {@code null} without one. */
    public String htmlLocation() {
        return page == null ? null : page.toString();
    }

    /** A scan found or changed findings. */
    public void changed(ScanOutcome outcome, LeakReport current) {
        for (Output output : all) {
            output.changed(outcome, current);
        }
    }

    /** The JVM ends: the last scan's changes and the final report, once to each output. */
    public void finished(ScanOutcome lastScan, LeakReport last) {
        for (Output output : all) {
            output.finished(lastScan, last);
        }
    }

    /** Closes every output. */
    public void close() {
        for (Output output : all) {
            output.close();
        }
    }
}
