package dev.closewait.benchmarks;

import dev.closewait.benchmarks.AgentComparison.Cpus;
import dev.closewait.benchmarks.jmh.HttpKeepAliveBenchmark;
import dev.closewait.benchmarks.jmh.JdbcChurnBenchmark;
import dev.closewait.benchmarks.jmh.SocketChurnBenchmark;
import dev.closewait.benchmarks.jmh.SteadyIoBenchmark;
import dev.closewait.benchmarks.jmh.VirtualThreadChurnBenchmark;
import dev.closewait.benchmarks.jmh.VirtualThreads;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the whole benchmark suite and writes {@code benchmarks/RESULTS.md}: each JMH benchmark in
 * forks with and without the agent, the scan, start-up and memory probes, then the table of
 * figures against the goals. {@code java -jar benchmarks/target/benchmarks.jar --help} lists the options.
 */
public final class BenchmarkSuite {

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help")) {
            System.out.println(SuiteOptions.USAGE);
            return;
        }
        SuiteOptions options;
        try {
            options = SuiteOptions.parse(args);
        } catch (IllegalArgumentException bad) {
            System.err.println(bad.getMessage());
            System.err.println(SuiteOptions.USAGE);
            System.exit(2);
            return;
        }
        ZonedDateTime started = ZonedDateTime.now();
        long start = System.nanoTime();
        System.out.println("closewait benchmarks, " + options.mode.name().toLowerCase(java.util.Locale.ROOT)
                + " mode, agent " + options.agentJar + (options.hasPeer() ? ", peer " + options.peer.javaagent() : ""));
        Map<String, String> machine = MachineInfo.describe(options);

        Map<String, List<Result>> byBenchmark = new HashMap<>();
        for (String benchmark : SuiteOptions.RUN_ORDER) {
            if (options.runs(benchmark)) {
                System.out.println(benchmark + ":");
                byBenchmark.put(benchmark, run(benchmark, options));
            }
        }
        List<Result> results = new ArrayList<>();
        for (String benchmark : SuiteOptions.BENCHMARKS) {
            results.addAll(byBenchmark.getOrDefault(benchmark, List.of()));
        }

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        ResultsFile.write(options.out, ResultsFile.render(results, machine, options, started, took));
        System.out.println();
        System.out.print(ResultsFile.table(results, options.hasPeer()));
        System.out.println();
        System.out.println("Took " + ResultsFile.minutesAndSeconds(took) + "; results in " + options.out);
    }

    private static List<Result> run(String benchmark, SuiteOptions options) {
        List<Result> results = measure(benchmark, options);
        if (!options.hasPeer() || !SuiteOptions.WITHOUT_PEER.contains(benchmark)) {
            return results;
        }
        List<Result> marked = new ArrayList<>();
        for (Result result : results) {
            marked.add(result.withPeer(Result.Peer.notApplicable("not run: closewait's own "
                    + (benchmark.equals("series-memory") ? "time series" : "scan of the kernel's table")
                    + ", which the peer does not have")));
        }
        return marked;
    }

    private static List<Result> measure(String benchmark, SuiteOptions options) {
        AgentComparison jmh = new AgentComparison(options);
        try {
            return switch (benchmark) {
                // One client thread and one peer thread: pinned, see CpuPinning. Eight of each: every CPU.
                case "socket-churn" -> List.of(jmh.compare("socket churn", SocketChurnBenchmark.class,
                        "connectAndClose", Goals.SOCKET_CHURN, Cpus.ONE));
                case "jdbc-churn" -> List.of(jdbcChurn(options, jmh));
                case "steady-io" -> List.of(jmh.compare("steady I/O", SteadyIoBenchmark.class, "pingPong",
                        Goals.STEADY_IO, Cpus.ONE));
                case "concurrent-churn" -> List.of(jmh.compare("concurrent churn, 8 threads",
                        SocketChurnBenchmark.class, "connectAndCloseOnEightThreads", Goals.CONCURRENT_CHURN,
                        Cpus.ALL));
                case "virtual-thread-churn" -> List.of(virtualThreadChurn(options, jmh));
                // Client, server and the client's selector: every CPU. Connections are reused: the goal of steady I/O.
                case "http-keep-alive" -> List.of(jmh.compare("HTTP/1.1 keep-alive pool, 4 threads",
                        HttpKeepAliveBenchmark.class, "get", Goals.HTTP_KEEP_ALIVE, Cpus.ALL));
                case "scan" -> new ScanCost(options).measure();
                case "scan-states" -> new ScanStatesCost(options).measure();
                case "series-memory" -> List.of(new SeriesMemoryCost(options).measure());
                case "startup" -> List.of(new StartupCost(options).measure());
                case "memory" -> List.of(new MemoryCost(options).measure());
                default -> throw new IllegalStateException(benchmark);
            };
        } catch (Exception failed) {
            String why = FailureText.of(failed);
            System.out.println("  FAILED: " + why);
            return List.of(Result.skipped(benchmark, "—", "failed: " + why));
        }
    }

    /** Skipped, saying why, where the forks' JVM has no virtual threads. */
    private static Result virtualThreadChurn(SuiteOptions options, AgentComparison jmh) throws Exception {
        String title = String.format(java.util.Locale.ROOT, "virtual-thread churn, ms per %,d connections",
                VirtualThreadChurnBenchmark.CONNECTIONS);
        List<String> check = List.of(options.java, "-cp", options.benchmarksJar.toString(),
                VirtualThreads.class.getName());
        List<String> answer = ChildJvm.run(check, 60);
        if (!answer.equals(List.of(VirtualThreads.AVAILABLE))) {
            String why = String.join(" ", answer) + "; name a JDK 21 or later with --java";
            System.out.println("  skipped: " + why);
            return Result.skipped(title, Goals.VIRTUAL_THREAD_CHURN.text(), why);
        }
        // The carriers of the virtual threads: every CPU.
        return jmh.compare(title, VirtualThreadChurnBenchmark.class, "connectAndCloseFromVirtualThreads",
                Goals.VIRTUAL_THREAD_CHURN, Cpus.ALL);
    }

    private static Result jdbcChurn(SuiteOptions options, AgentComparison jmh) throws Exception {
        String title = "JDBC churn (pgjdbc)";
        try (Connection probe = DriverManager.getConnection(options.jdbcUrl)) {
            probe.isValid(5);
        } catch (SQLException unreachable) {
            String why = "PostgreSQL is not reachable at " + options.jdbcUrl + ": " + unreachable.getMessage();
            System.out.println("  skipped: " + why);
            return Result.skipped(title, Goals.JDBC_CHURN.text(), why);
        }
        // Its peer is PostgreSQL, in processes of its own: the JVM keeps every CPU.
        return jmh.compare(title, JdbcChurnBenchmark.class, "connectQueryClose", Goals.JDBC_CHURN, Cpus.ALL,
                "-D" + JdbcChurnBenchmark.URL_PROPERTY + "=" + options.jdbcUrl);
    }
}
