package dev.closewait.benchmarks;

import dev.closewait.benchmarks.jmh.JdbcChurnBenchmark;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The suite's command line. */
final class SuiteOptions {

    /** Every benchmark, in the order of the results table (the issue's). */
    static final List<String> BENCHMARKS = List.of("socket-churn", "jdbc-churn", "steady-io", "concurrent-churn",
            "virtual-thread-churn", "http-keep-alive", "scan", "scan-states", "startup", "memory", "series-memory");
    /** The ones that measure closewait's own parts, which a peer agent does not have: no peer side there. */
    static final List<String> WITHOUT_PEER = List.of("scan", "scan-states", "series-memory");
    /**
     * The order they run in: JDBC churn last, because PostgreSQL's connections leave TIME_WAIT rows
     * (about 15,000 a minute) that would swell the TCP table the others' scans read; the scan with
     * TIME_WAIT rows makes its own, and waits for them to expire before the next one runs.
     */
    static final List<String> RUN_ORDER = List.of("scan", "series-memory", "scan-states", "memory", "startup",
            "steady-io", "http-keep-alive", "socket-churn", "concurrent-churn", "virtual-thread-churn", "jdbc-churn");

    static final String USAGE = String.join("\n",
            "usage: java -jar benchmarks/target/benchmarks.jar [--quick | --full] [options]",
            "  --quick            3 forks a side, 1 s iterations (about 4 minutes on 2 cores; the default)",
            "  --full             8 forks a side, 2 s iterations, 30 start-ups a side (about 25 minutes)",
            "  --agent JAR        the shaded agent jar (default: agent/target/closewait-agent.jar)",
            "  --peer-agent JAR[=OPTIONS]",
            "                     a third side in every comparison: -javaagent:JAR[=OPTIONS], e.g. file-leak-detector's",
            "                     jar-with-dependencies (see benchmarks/README.md); its forks alternate with the other",
            "                     two, and the results get a peer column (not for scan, scan-states, series-memory:",
            "                     they measure closewait's own scanner and time series)",
            "  --java JAVA        the java that runs the forks and probes (default: the one running this)",
            "  --jdbc-url URL     PostgreSQL for the JDBC churn (default: " + JdbcChurnBenchmark.DEFAULT_URL + ")",
            "  --only NAMES       a comma-separated subset of: " + String.join(",", BENCHMARKS),
            "                     (scan-states: the scan with TIME_WAIT and FIN_WAIT_2 rows, about 3 minutes;",
            "                     series-memory: the time series of 100 remotes over a day of scans;",
            "                     virtual-thread-churn: 20,000 connections from virtual threads, needs --java of JDK 21+;",
            "                     http-keep-alive: java.net.http.HttpClient over a keep-alive pool)",
            "  --out FILE         where the results go (default: benchmarks/RESULTS.md)");

    final SuiteMode mode;
    final Path agentJar;
    /** The agent of {@code --peer-agent}, or {@code null}. */
    final PeerAgent peer;
    final Path benchmarksJar;
    final String java;
    final String jdbcUrl;
    final Set<String> only;
    final Path out;
    final Path repository;
    final List<String> commandLine;

    private SuiteOptions(SuiteMode mode, Path agentJar, PeerAgent peer, Path benchmarksJar, String java,
                         String jdbcUrl, Set<String> only, Path out, Path repository, List<String> commandLine) {
        this.mode = mode;
        this.agentJar = agentJar;
        this.peer = peer;
        this.benchmarksJar = benchmarksJar;
        this.java = java;
        this.jdbcUrl = jdbcUrl;
        this.only = only;
        this.out = out;
        this.repository = repository;
        this.commandLine = commandLine;
    }

    /** Parses the arguments; throws {@link IllegalArgumentException} with a message for bad ones. */
    static SuiteOptions parse(String[] args) {
        SuiteMode mode = SuiteMode.QUICK;
        Path benchmarksJar = ownJar();
        Path repository = repositoryOf(benchmarksJar);
        Path agentJar = repository.resolve("agent/target/closewait-agent.jar");
        PeerAgent peer = null;
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String jdbcUrl = JdbcChurnBenchmark.DEFAULT_URL;
        Set<String> only = new LinkedHashSet<>(BENCHMARKS);
        Path out = repository.resolve("benchmarks/RESULTS.md");
        List<String> commandLine = new ArrayList<>(List.of("java", "-jar", "benchmarks/target/benchmarks.jar"));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            commandLine.add(arg);
            switch (arg) {
                case "--quick" -> mode = SuiteMode.QUICK;
                case "--full" -> mode = SuiteMode.FULL;
                case "--agent", "--peer-agent", "--java", "--jdbc-url", "--only", "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    String value = args[++i];
                    commandLine.add(value);
                    switch (arg) {
                        case "--agent" -> agentJar = Paths.get(value).toAbsolutePath();
                        case "--peer-agent" -> peer = PeerAgent.parse(value);
                        case "--java" -> java = value;
                        case "--jdbc-url" -> jdbcUrl = value;
                        case "--out" -> out = Paths.get(value).toAbsolutePath();
                        default -> only = names(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if (!Files.isRegularFile(agentJar)) {
            throw new IllegalArgumentException("no agent jar at " + agentJar
                    + "; build it with ./mvnw -q -pl benchmarks -am package -DskipTests, or name it with --agent");
        }
        return new SuiteOptions(mode, agentJar, peer, benchmarksJar, java, jdbcUrl, only, out, repository,
                commandLine);
    }

    boolean runs(String benchmark) {
        return only.contains(benchmark);
    }

    boolean hasPeer() {
        return peer != null;
    }

    /** The sides every comparison runs: without an agent and with closewait, and with the peer agent if named. */
    List<Side> sides() {
        return hasPeer() ? List.of(Side.WITHOUT, Side.CLOSEWAIT, Side.PEER) : List.of(Side.WITHOUT, Side.CLOSEWAIT);
    }

    /** A side's name in the results: closewait's is "with agent" when it is the only agent. */
    String label(Side side) {
        return switch (side) {
            case WITHOUT -> "without agent";
            case CLOSEWAIT -> hasPeer() ? "closewait" : "with agent";
            case PEER -> "peer";
        };
    }

    /** A side's {@code -javaagent:} argument, or none. */
    List<String> agentArgs(Side side) {
        return switch (side) {
            case WITHOUT -> List.of();
            case CLOSEWAIT -> List.of(javaagent());
            case PEER -> List.of(peer.javaagent());
        };
    }

    /** {@code -javaagent:} on the built jar, with its defaults except the log (the forks' stderr stays quiet). */
    String javaagent() {
        return "-javaagent:" + agentJar + "=log=off";
    }

    /** The class path of the probes that call the agent's classes: this jar, then the shaded agent. */
    String probeClassPath() {
        return benchmarksJar + File.pathSeparator + agentJar;
    }

    private static Set<String> names(String list) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            if (!BENCHMARKS.contains(name.trim())) {
                throw new IllegalArgumentException("unknown benchmark '" + name.trim() + "'; known: " + BENCHMARKS);
            }
            names.add(name.trim());
        }
        return names;
    }

    private static Path ownJar() {
        try {
            return Paths.get(SuiteOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** benchmarks/target/benchmarks.jar -> the repository; otherwise the working directory. */
    private static Path repositoryOf(Path benchmarksJar) {
        Path target = benchmarksJar.getParent();
        if (target != null && target.getFileName().toString().equals("target") && target.getParent() != null
                && Files.isDirectory(target.getParent().getParent().resolve("agent"))) {
            return target.getParent().getParent();
        }
        return Paths.get("").toAbsolutePath();
    }
}
