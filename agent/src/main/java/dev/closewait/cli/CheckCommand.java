package dev.closewait.cli;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.report.ReportReader;
import dev.closewait.agent.report.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code check REPORT.json|DIR...}: the CI gate over report files. Each argument is a report, or a
 * directory whose {@code *.json} files are all reports (one per JVM with {@code report=...{pid}...}).
 * Leaks are listed per file, one line each; the exit status is 0 (no leaks), 1 (leaks) or 2 (a file
 * is unreadable or not a valid report, a directory holds no report, or no report at all: the gate
 * cannot vouch for the run). The Maven plugin's {@code check} goal runs the same {@link #check}.
 */
@Command(name = CheckCommand.NAME, mixinStandardHelpOptions = true,
        description = {"Checks JSON reports written by the agent (option report=) and fails on leaks: per file, one"
                + " line per leak with its remote endpoint, status and the first application frame that opened it."
                + " A directory stands for every *.json report in it."},
        footer = {"", "Exit status: 0 no leaks; 1 leaks (listed, per file); 2 a file is missing, unreadable, or not a"
                + " valid closewait report, a directory holds no report, or there is no report at all (the message"
                + " says which and where)."})
public final class CheckCommand implements Callable<Integer> {

    /** The command's name on the command line. */
    static final String NAME = "check";

    /** Exit status: no leaks. */
    public static final int EXIT_CLEAN = 0;
    /** Exit status: leaks, listed. */
    public static final int EXIT_LEAKS = 1;
    /** Exit status: a report that cannot be read or trusted, or none at all. */
    public static final int EXIT_UNREADABLE = CliProblem.EXIT_REFUSED;
    /** The files of a directory that are taken for reports. */
    public static final String REPORT_GLOB = "*.json";

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "REPORT.json|DIR",
            description = "report files, or directories of them (every *.json file in each)")
    private List<String> paths;

    @Override
    public Integer call() {
        List<Path> given = new ArrayList<>();
        for (String path : paths) {
            given.add(Paths.get(path));
        }
        Outcome outcome = check(given);
        PrintWriter out = spec.commandLine().getOut();
        for (String line : outcome.lines()) {
            out.println(line);
        }
        PrintWriter err = spec.commandLine().getErr();
        for (String problem : outcome.problems()) {
            err.println("closewait: " + TextReport.printable(problem));
        }
        return outcome.status();
    }

    /**
     * Whether a finding fails the gate: every one but those a known pool holds idle ({@code heldBy},
     * counted in {@code summary.heldByPools}), which are the pool's business, not the application's leak.
     */
    static boolean failsTheGate(Finding finding) {
        return !finding.isHeldByPool();
    }

    /** Checks these report files and directories of reports; nothing is printed. */
    public static Outcome check(List<Path> given) {
        List<String> problems = new ArrayList<>();
        Set<Path> reports = new LinkedHashSet<>();
        for (Path path : given) {
            if (path.toString().isEmpty()) {
                // check "$REPORT" with the variable unset: not the working directory
                problems.add("an empty argument names no report (an unset variable?): name report files or directories"
                        + " of them");
            } else if (Files.isDirectory(path)) {
                List<Path> inside = reportsIn(path, problems);
                if (inside != null && inside.isEmpty()) {
                    problems.add(path + " holds no closewait report (no " + REPORT_GLOB + " file in it)");
                }
                if (inside != null) {
                    inside.forEach(report -> reports.add(report.normalize()));
                }
            } else {
                reports.add(path.normalize());
            }
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (Path path : reports) {
            try {
                verdicts.add(new Verdict(path, ReportReader.read(path).report()));
            } catch (ReportReader.Unreadable unreadable) {
                problems.add(unreadable.getMessage());
            }
        }
        if (given.isEmpty()) {
            problems.add("no report given: name report files or directories of them");
        }
        return new Outcome(verdicts, problems);
    }

    /** The {@code *.json} files of {@code directory}, by name; {@code null} with a problem if it cannot be listed. */
    private static List<Path> reportsIn(Path directory, List<String> problems) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, REPORT_GLOB)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry)) {
                    found.add(entry);
                }
            }
        } catch (IOException unreadable) {
            problems.add("cannot list " + directory.toAbsolutePath() + ": " + unreadable.getMessage());
            return null;
        }
        Collections.sort(found);
        return found;
    }

    /** The verdict of a whole check: every readable report's, and the problems that make it status 2. */
    public static final class Outcome {
        private final List<Verdict> verdicts;
        private final List<String> problems;

        Outcome(List<Verdict> verdicts, List<String> problems) {
            this.verdicts = List.copyOf(verdicts);
            this.problems = List.copyOf(problems);
        }

        /** {@link #EXIT_UNREADABLE} if anything could not be read, else {@link #EXIT_LEAKS} if any report leaked, else {@link #EXIT_CLEAN}. */
        public int status() {
            if (!problems.isEmpty() || verdicts.isEmpty()) {
                return EXIT_UNREADABLE;
            }
            return failingLeaks() > 0 ? EXIT_LEAKS : EXIT_CLEAN;
        }

        /** The reports read, in the order given (a directory's by file name). */
        public List<Verdict> verdicts() {
            return verdicts;
        }

        /** Why a file or directory could not be checked, one message each. */
        public List<String> problems() {
            return problems;
        }

        /** Findings that fail the gate, in all reports. */
        public int failingLeaks() {
            int count = 0;
            for (Verdict verdict : verdicts) {
                count += verdict.failing().size() + verdict.report().dropped();
            }
            return count;
        }

        /** What {@code check} prints on standard output: each report's lines, then a total when there are several. */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            for (Verdict verdict : verdicts) {
                lines.add(verdict.headline());
                lines.addAll(verdict.leakLines());
            }
            if (verdicts.size() > 1) {
                lines.add(total());
            }
            return lines;
        }

        /** {@code closewait check: 2 connection leaks in 1 of 3 reports}. */
        public String total() {
            int leaky = 0;
            for (Verdict verdict : verdicts) {
                leaky += verdict.failing().isEmpty() ? 0 : 1;
            }
            return "closewait check: " + (failingLeaks() == 0 ? "no connection leaks" : leaks(failingLeaks()))
                    + " in " + (leaky == 0 ? "" : leaky + " of ") + verdicts.size()
                    + (verdicts.size() == 1 ? " report" : " reports");
        }
    }

    /** One report's verdict: the findings that fail the gate and those listed without failing it. */
    public static final class Verdict {
        private final Path path;
        private final LeakReport report;
        private final List<Finding> failing = new ArrayList<>();
        private final List<Finding> notFailing = new ArrayList<>();

        Verdict(Path path, LeakReport report) {
            this.path = path;
            this.report = report;
            for (Finding leak : report.leaks()) {
                (failsTheGate(leak) ? failing : notFailing).add(leak);
            }
        }

        public Path path() {
            return path;
        }

        public LeakReport report() {
            return report;
        }

        /** The findings that fail the gate. */
        public List<Finding> failing() {
            return Collections.unmodifiableList(failing);
        }

        /** {@code closewait check: 1 connection leak in target/closewait/leaks-4242.json}. */
        public String headline() {
            long count = failing.size() + report.dropped();
            StringBuilder notes = new StringBuilder();
            if (report.dropped() > 0) {
                notes.append(", ").append(report.dropped()).append(" of them past maxFindings, counted, not listed");
            }
            if (!notFailing.isEmpty()) {
                notes.append(", ").append(notFailing.size()).append(" more held idle by a pool (not failing)");
            }
            if (report.ignored() > 0) {
                notes.append(", ").append(report.ignored()).append(" more left out by ignore rules");
            }
            return "closewait check: " + (count == 0 ? "no connection leaks" : leaks(count)) + " in "
                    + TextReport.printable(path.toString()) + (notes.length() == 0 ? "" : " (" + notes.substring(2) + ")");
        }

        /** One line per finding: remote endpoint, status, first application frame. */
        public List<String> leakLines() {
            List<String> lines = new ArrayList<>();
            for (Finding leak : failing) {
                lines.add("  " + TextReport.DEFAULT.checkLine(leak));
            }
            for (Finding held : notFailing) {
                lines.add("  " + TextReport.DEFAULT.checkLine(held));
            }
            return lines;
        }
    }

    private static String leaks(long count) {
        return count + (count == 1 ? " connection leak" : " connection leaks");
    }
}
