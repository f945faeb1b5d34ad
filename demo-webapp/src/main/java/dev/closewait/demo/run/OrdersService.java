package dev.closewait.demo.run;

import dev.closewait.demo.OrdersApp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The orders service ({@link OrdersApp}) running in a JVM of its own with {@code -javaagent:} on the
 * closewait agent jar, as a user would run it. Its standard output and error go to a log file, its
 * garbage collections to another: a GC releases leaked sockets, so the demo says whether one ran.
 */
final class OrdersService implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /**
     * A young generation this big holds everything the service allocates in the demo's minute, so no
     * GC releases the leaked sockets before closewait and the kernel are asked about them. In a real
     * service they stay until the next GC that reaches them: seconds, or hours.
     */
    private static final List<String> HEAP = List.of("-Xmx1g", "-Xmn384m");
    private static final Pattern GC_ID = Pattern.compile("GC\\((\\d+)\\)");

    private final Process process;
    /** Kills the service if the runner's JVM is stopped (Ctrl-C) before {@link #close()}. */
    private final Thread killOnExit;
    private final Thread outputCopier;
    private final Path log;
    private final Path gcLog;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OrdersService(Process process, Thread outputCopier, Path log, Path gcLog, int port) {
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, "orders-service-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        this.outputCopier = outputCopier;
        this.log = log;
        this.gcLog = gcLog;
        this.port = port;
    }

    /**
     * Starts the service and waits until it serves.
     *
     * @param java the {@code java} launcher
     * @param agentJar the closewait agent jar
     * @param agentOptions the options after {@code -javaagent:closewait-agent.jar=}
     * @param classPath the service's class path
     * @param environment the {@code ORDERS_*} variables
     * @param log where the service's standard output and error go
     * @param gcLog where its JVM logs garbage collections
     */
    static OrdersService start(Path java, Path agentJar, String agentOptions, String classPath,
                               Map<String, String> environment, Path log, Path gcLog)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-javaagent:" + agentJar + "=" + agentOptions);
        command.addAll(HEAP);
        command.addAll(List.of("-Xlog:gc:file=" + gcLog, "-cp", classPath, OrdersApp.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread copier = new Thread(() -> copyOutput(process, log, ready), "orders-service-output");
        copier.setDaemon(true);
        copier.start();
        try {
            int port = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new OrdersService(process, copier, log, gcLog, port);
        } catch (Exception e) {
            process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new IllegalStateException("the orders service did not start within " + START_TIMEOUT.toSeconds()
                    + " s (exit status " + (process.isAlive() ? "none" : process.exitValue()) + "); its output:\n"
                    + (Files.exists(log) ? Files.readString(log) : "none"), e);
        }
    }

    /** Its process id, for the kernel's view of its sockets. */
    long pid() {
        return process.pid();
    }

    /** {@code GET path}: the status code, or -1 if the request itself failed. */
    int get(String path) throws InterruptedException {
        try {
            return http.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code GET path}: the body. */
    String body(String path) throws IOException, InterruptedException {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(REQUEST_TIMEOUT).build();
    }

    /** The service's output so far. */
    String output() throws IOException {
        return Files.readString(log);
    }

    /** How many garbage collections its JVM ran so far (their {@code GC(n)} ids in the log, whatever the collector). */
    long garbageCollections() throws IOException {
        Matcher ids = GC_ID.matcher(Files.readString(gcLog));
        Set<String> seen = new HashSet<>();
        while (ids.find()) {
            seen.add(ids.group(1));
        }
        return seen.size();
    }

    /**
     * Stops the JVM as a service manager would (SIGTERM), so its shutdown hooks run: the agent writes
     * its final report and summary. Kills it if it does not stop in time. Idempotent.
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it kills the service.
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            outputCopier.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void copyOutput(Process process, Path log, CompletableFuture<Integer> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                if (line.startsWith(OrdersApp.READY)) {
                    ready.complete(Integer.parseInt(line.substring(OrdersApp.READY.length()).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("the orders service exited"));
    }
}
