package dev.closewait.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A scenario program running in its own JVM with {@code -javaagent:} on the built, shaded agent
 * jar: the file users run. Drives its {@code STEP}s, collects its {@code RESULT}s and stderr, and
 * polls the JSON report the agent writes.
 */
public final class ScenarioProcess implements AutoCloseable {

    /** The agent jar under test (set by the build). */
    public static Path agentJar() {
        Path jar = Path.of(System.getProperty("closewait.agent.jar", "../agent/target/closewait-agent.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the agent jar " + jar.toAbsolutePath()
                    + " does not exist: build it first (./mvnw package)");
        }
        return jar.toAbsolutePath();
    }

    private final Process process;
    private final Path stderr;
    private final Path report;
    private final Writer toScenario;
    private final LinkedBlockingQueue<String> steps = new LinkedBlockingQueue<>();
    private final Map<String, String> results = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());

    private ScenarioProcess(Process process, Path stderr, Path report) {
        this.process = process;
        this.stderr = stderr;
        this.report = report;
        this.toScenario = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readStdout, "scenario-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code scenario} on {@code jdk} with the agent and {@code agentOptions} (a report file
     * in {@code workDir} is added unless {@code agentOptions} names one).
     */
    public static ScenarioProcess start(Jdk jdk, Path workDir, Class<?> scenario, String agentOptions,
                                        String... args) throws IOException {
        return start(jdk, workDir, scenario, agentOptions, List.of(), args);
    }

    /** {@link #start(Jdk, Path, Class, String, String...)} with JVM options before the class path. */
    public static ScenarioProcess start(Jdk jdk, Path workDir, Class<?> scenario, String agentOptions,
                                        List<String> jvmOptions, String... args) throws IOException {
        Path report = workDir.resolve("leaks.json");
        String options = agentOptions.contains("report=") ? agentOptions
                : (agentOptions.isEmpty() ? "" : agentOptions + ",") + "report=" + report;
        List<String> withAgent = new ArrayList<>();
        withAgent.add("-javaagent:" + agentJar() + "=" + options);
        withAgent.addAll(jvmOptions);
        return start(command(jdk, withAgent, scenario, args), workDir, report);
    }

    /**
     * Starts {@code scenario} on {@code jdk} WITHOUT the agent (it is attached later), with extra JVM
     * options; {@code report} is where the test will ask the agent to write.
     */
    public static ScenarioProcess startWithoutAgent(Jdk jdk, Path workDir, Class<?> scenario, List<String> jvmOptions,
                                                    Path report, String... args) throws IOException {
        return start(command(jdk, jvmOptions, scenario, args), workDir, report);
    }

    /** {@code java <jvmOptions> -Xmx256m -cp <scenarios> <scenario> <args>}. */
    private static List<String> command(Jdk jdk, List<String> jvmOptions, Class<?> scenario, String... args) {
        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.addAll(jvmOptions);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("closewait.scenario.classpath", "target/test-classes"));
        command.add(scenario.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Starts an arbitrary command (for tests of bad options and the like). */
    public static ScenarioProcess start(List<String> command, Path workDir, Path report) throws IOException {
        Path stderr = workDir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectError(stderr.toFile())
                .start();
        return new ScenarioProcess(process, stderr, report);
    }

    /** The process id of the JVM (the command is {@code java} itself, not a shell). */
    public long pid() {
        return process.pid();
    }

    /** Waits for the scenario to announce {@code name}. */
    public ScenarioProcess awaitStep(String name, Duration timeout) throws InterruptedException {
        String step = steps.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (step == null) {
            throw new AssertionError("the scenario did not reach step '" + name + "' within " + timeout + describe());
        }
        if (!step.equals(name)) {
            throw new AssertionError("expected step '" + name + "' but the scenario announced '" + step + "'"
                    + describe());
        }
        return this;
    }

    /** Lets the scenario go on past its current step. */
    public void proceed() throws IOException {
        toScenario.write("go\n");
        toScenario.flush();
    }

    /**
     * Polls the report file until {@code condition} holds. Every read must parse: the agent writes
     * the file atomically, so a reader never sees half a report.
     */
    public Report awaitReport(Predicate<Report> condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Report last = null;
        while (System.nanoTime() < deadline) {
            if (Files.exists(report)) {
                last = Report.read(report);
                if (condition.test(last)) {
                    return last;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the report never met the condition within " + timeout + "; last report: "
                + (last == null ? "none" : last.json()) + describe());
    }

    /** Polls standard error until it contains {@code text}. */
    public String awaitStderr(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String now = stderr();
            if (now.contains(text)) {
                return now;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("standard error never said '" + text + "' within " + timeout + describe());
    }

    /** Waits for the JVM to exit; returns its exit status. */
    public int awaitExit(Duration timeout) throws Exception {
        toScenario.close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            KilledJvm.kill(process);
            throw new AssertionError("the scenario JVM did not exit within " + timeout + describe());
        }
        return process.exitValue();
    }

    /** The final report, after exit. */
    public Report finalReport() throws IOException {
        return Report.read(report);
    }

    /** A {@code RESULT} the scenario printed. */
    public String result(String key) {
        String value = results.get(key);
        if (value == null) {
            throw new AssertionError("the scenario printed no RESULT " + key + describe());
        }
        return value;
    }

    /** A {@code RESULT} as an int. */
    public int intResult(String key) {
        return Integer.parseInt(result(key));
    }

    /** Everything the JVM printed to standard error so far. */
    public String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Standard output and standard error, for failure messages. */
    public String describe() {
        return "\n--- scenario stdout ---\n" + String.join("\n", stdout) + "\n--- scenario stderr ---\n" + stderr();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            KilledJvm.kill(process);
        }
    }

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                stdout.add(line);
                if (line.startsWith("STEP ")) {
                    steps.add(line.substring(5));
                } else if (line.startsWith("RESULT ")) {
                    int eq = line.indexOf('=');
                    results.put(line.substring(7, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException ended) {
            // the process is gone
        }
    }
}
