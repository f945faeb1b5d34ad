package dev.closewait.cli;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.ReportReader;
import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code check REPORT.json}: a CI gate over a report file. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks a JSON report written by the agent (option report=) and fails on leaks: one line per"
                + " leak with its remote endpoint, status and the first application frame that opened it."},
        footer = {"", "Exit status: 0 no leaks; 1 leaks (listed); 2 the file is missing, unreadable, or not a valid"
                + " closewait report (the message says which and where)."})
final class CheckCommand implements Callable<Integer> {

    static final int EXIT_LEAKS = 1;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPORT.json", description = "the report file")
    private String file;

    @Override
    public Integer call() throws CliProblem {
        Path path = Paths.get(file);
        LeakReport report;
        try {
            report = ReportReader.read(path).report();
        } catch (ReportReader.Unreadable unreadable) {
            throw new CliProblem(unreadable.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        String ignored = report.ignored() > 0 ? " (" + report.ignored() + " more left out by ignore rules)" : "";
        List<Finding> leaks = report.leaks();
        if (leaks.isEmpty()) {
            out.println("closewait check: no connection leaks in " + TextReport.printable(path.toString()) + ignored);
            return 0;
        }
        out.println("closewait check: " + leaks.size() + (leaks.size() == 1 ? " connection leak" : " connection leaks")
                + " in " + TextReport.printable(path.toString()) + ignored);
        for (Finding leak : leaks) {
            out.println("  " + TextReport.DEFAULT.checkLine(leak));
        }
        return EXIT_LEAKS;
    }
}
