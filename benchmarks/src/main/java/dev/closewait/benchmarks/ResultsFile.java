package dev.closewait.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/** Renders {@code benchmarks/RESULTS.md}: the machine, the summary table, then each benchmark's details. */
final class ResultsFile {

    private ResultsFile() {
    }

    static String render(List<Result> results, Map<String, String> machine, SuiteOptions options,
                         ZonedDateTime started, Duration took) {
        StringBuilder md = new StringBuilder();
        md.append("# closewait benchmark results\n\n");
        md.append("Written by the benchmark suite; do not edit by hand, run it again:\n\n");
        md.append("```\n").append(String.join(" ", options.commandLine)).append("\n```\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| date | ").append(started.withZoneSameInstant(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append(" |\n");
        md.append("| took | ").append(minutesAndSeconds(took)).append(" |\n");
        for (Map.Entry<String, String> entry : machine.entrySet()) {
            md.append("| ").append(entry.getKey()).append(" | ").append(entry.getValue()).append(" |\n");
        }
        md.append("| mode | ").append(options.mode.describe(options.hasPeer())).append(" |\n");
        // The repository's own jar by its path in the repository; one from elsewhere as it was named.
        String agentJar = options.agentJar.startsWith(options.repository)
                ? options.repository.relativize(options.agentJar).toString() : options.agentJar.toString();
        md.append("| agent | `").append(options.javaagent().replace(options.agentJar.toString(), agentJar))
                .append("` (default options, log off) |\n");
        if (options.hasPeer()) {
            md.append("| peer agent | `").append(options.peer.javaagent()).append("`: ")
                    .append(options.peer.describe()).append(" |\n");
        }
        md.append('\n');

        md.append("## Summary\n\n");
        md.append(table(results, options.hasPeer()));
        md.append(options.hasPeer()
                ? "\nRatios are each agent's over without any agent: 1.05 means 5 % slower. In brackets, the 95 %"
                        + " bootstrap interval of the ratio (or difference) of medians. The goals and verdicts are"
                        + " closewait's; the peer has none here.\n"
                : "\nRatios are with the agent over without it: 1.05 means 5 % slower. In brackets, the 95 %"
                        + " bootstrap interval of the ratio (or difference) of medians.\n");
        md.append("\nThe goals are those of the performance issue (`Goals`). A ratio's goal is met by its median,"
                + " except JDBC churn's, met only when the whole interval is within it, and keep-alive's, met when the"
                + " interval includes 1.00 and is narrow enough to tell (undecided when it is not).\n");

        md.append("\n## Details\n");
        for (Result result : results) {
            if (result.details() != null) {
                md.append("\n### ").append(result.benchmark()).append("\n\n").append(result.details().trim()).append('\n');
            }
        }
        return md.toString();
    }

    /**
     * The summary table alone (the README shows it too); with {@code peerColumn}, the peer agent's
     * figure and measure next to closewait's ("—" in rows where it did not run).
     */
    static String table(List<Result> results, boolean peerColumn) {
        StringBuilder md = new StringBuilder();
        if (peerColumn) {
            md.append("| benchmark | without agent | closewait | peer | closewait: measured | peer: measured | goal |"
                    + " verdict |\n|---|---|---|---|---|---|---|---|\n");
        } else {
            md.append("| benchmark | without agent | with agent | measured | goal | verdict |\n|---|---|---|---|---|---|\n");
        }
        for (Result r : results) {
            md.append("| ").append(r.benchmark()).append(" | ").append(r.without()).append(" | ").append(r.with());
            Result.Peer peer = r.peer() == null ? new Result.Peer("—", "—") : r.peer();
            if (peerColumn) {
                md.append(" | ").append(peer.figure());
            }
            md.append(" | ").append(r.measured());
            if (peerColumn) {
                md.append(" | ").append(peer.measured());
            }
            md.append(" | ").append(r.goal()).append(" | ").append(r.verdict()).append(" |\n");
        }
        return md.toString();
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String minutesAndSeconds(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds >= 60 ? seconds / 60 + " min " + seconds % 60 + " s" : seconds + " s";
    }
}
