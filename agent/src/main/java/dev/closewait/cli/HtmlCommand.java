package dev.closewait.cli;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.io.FileProblem;
import dev.closewait.agent.output.HtmlPageFile;
import dev.closewait.agent.report.AppFrames;
import dev.closewait.agent.report.ReportReader;
import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;

/**
 * {@code html REPORT.json [-o FILE]}: the report as one self-contained HTML page, the page the agent
 * option {@code html=} writes. The report is read as strictly as {@code check} reads it.
 */
@Command(name = HtmlCommand.NAME, mixinStandardHelpOptions = true,
        description = {"Writes a JSON report of the agent (option report=) as one self-contained HTML page: the"
                + " summary, the leaks grouped by creation stack with the application frames highlighted, a chart of"
                + " CLOSE_WAIT and FIN_WAIT_2 sockets over time per remote, JDBC connect failures, port pressure and"
                + " the peers that do not finish closing. The page loads nothing from anywhere; it is readable by its"
                + " owner only."},
        footer = {"", "Exit status: 0 written; 2 the report is missing, unreadable or not a valid closewait report,"
                + " or the page cannot be written (the message says which and where)."})
final class HtmlCommand implements Callable<Integer> {

    /** The command's name on the command line. */
    static final String NAME = "html";

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPORT.json", description = "a report file the agent wrote")
    private String report;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "the page to write (default: the report's name with .html for .json, next to it)")
    private String output;

    @Option(names = "--app", paramLabel = "<prefix>[;<prefix>...]",
            description = "the application's package prefixes, as the agent option app= (com.acme.;org.shop.): only"
                    + " their frames are highlighted")
    private String app;

    @Override
    public Integer call() throws CliProblem {
        Path source = Paths.get(report);
        AppFrames frames = AppFrames.DEFAULT;
        if (app != null) {
            try {
                frames = AppFrames.of(AgentOptions.parse(dev.closewait.agent.Option.APP.key() + "=\"" + app + "\"").app());
            } catch (IllegalArgumentException bad) {
                throw new CliProblem("--app: " + bad.getMessage().replaceFirst("\\. Valid options: .*", ""));
            }
        }
        ReportReader.Read read;
        try {
            read = ReportReader.read(source);
        } catch (ReportReader.Unreadable unreadable) {
            throw new CliProblem(unreadable.getMessage(), CheckCommand.EXIT_UNREADABLE);
        }
        Path target = (output == null ? HtmlPageFile.nextTo(source) : Paths.get(output)).toAbsolutePath();
        if (target.normalize().equals(source.toAbsolutePath().normalize())) {
            throw new CliProblem("-o names the report itself (" + target + "): give the page another name");
        }
        try {
            HtmlPageFile.write(target, read, frames);
        } catch (IOException unwritable) {
            throw new CliProblem("cannot write " + target + ": " + FileProblem.reason(unwritable));
        }
        spec.commandLine().getOut().println("closewait html: " + TextReport.printable(target.toString()) + " ("
                + read.report().leaks().size() + (read.report().leaks().size() == 1 ? " leak" : " leaks") + " of "
                + TextReport.printable(source.toString()) + ")");
        return 0;
    }
}
