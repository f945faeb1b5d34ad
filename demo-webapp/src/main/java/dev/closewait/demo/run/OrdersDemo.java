package dev.closewait.demo.run;

import dev.closewait.demo.OrdersApp;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's scenario: the orders service under the closewait agent, a pool gone idle, a DBA who
 * rotates the service's password and ends its sessions, traffic again; then what the kernel shows.
 * Prints the story as it goes; {@link DemoRunner} tells what closewait found.
 *
 * <p>The DBA acts once the pool has sat idle past the driver's idle check, and the traffic follows
 * at once: the dead connections are used (and, with the fix, closed) well within closewait's grace,
 * so what closewait reports is the driver's leak, not the time a pool takes to notice a dead idle
 * connection.
 */
public final class OrdersDemo {

    /**
     * mssql-jdbc checks a connection's socket before using it only after this long without network
     * activity ({@code IdleNetworkTracker}; no setting changes it), so the pool must sit idle longer.
     */
    static final Duration DRIVER_IDLE_CHECK = Duration.ofSeconds(15);
    /** closewait scans every second and calls a socket a leak 5 s after its connection ended or its peer closed. */
    public static final String AGENT_OPTIONS = "interval=1s,grace=5s";
    /** How long after the traffic a leak must have been reported: the grace and two scans. */
    private static final Duration REPORTED = Duration.ofSeconds(5 + 2);

    private static final int WARM_UP_REQUESTS = 20;
    private static final int REQUESTS_AFTER_ROTATION = 3;

    /**
     * Where and how the service runs.
     *
     * @param java the {@code java} launcher for the service's JVM
     * @param agentJar the closewait agent jar
     * @param classPath the service's class path
     * @param workDir where the report and the logs go (created; earlier ones are replaced)
     * @param fixed whether the service runs with the fix
     */
    public record Setup(Path java, Path agentJar, String classPath, Path workDir, boolean fixed) {

        /** The agent's JSON report. */
        public Path report() {
            return workDir.resolve("leaks.json");
        }

        /** The agent's human-readable findings. */
        public Path agentLog() {
            return workDir.resolve("closewait.log");
        }

        /** The service's standard output and error. */
        public Path serviceLog() {
            return workDir.resolve("orders-service.log");
        }

        Path gcLog() {
            return workDir.resolve("orders-service-gc.log");
        }
    }

    /**
     * What the run showed.
     *
     * @param sessionsKilled sessions the DBA ended
     * @param statusesAfterRotation the HTTP status of each request after the rotation
     * @param closeWaitAtEnd the service's sockets in CLOSE_WAIT at the end, by remote {@code ip:port}
     * @param garbageCollections GCs the service's JVM ran (each may have released leaked sockets)
     * @param serviceOutput what the service printed
     */
    public record Outcome(int sessionsKilled, List<Integer> statusesAfterRotation, Map<String, Integer> closeWaitAtEnd,
                          long garbageCollections, String serviceOutput) {
    }

    private final DemoDatabase database;
    private final Setup setup;
    private final PrintStream out;

    /** A run against {@code database}, printing to {@code out}. */
    public OrdersDemo(DemoDatabase database, Setup setup, PrintStream out) {
        this.database = database;
        this.setup = setup;
        this.out = out;
    }

    /**
     * Runs the scenario; the DBA's new password is {@code rotatedPassword}. The service is stopped on
     * return, so the agent's final report is in {@link Setup#report()}.
     */
    public Outcome run(String rotatedPassword) throws Exception {
        Files.createDirectories(setup.workDir());
        for (Path old : List.of(setup.report(), setup.agentLog(), setup.serviceLog(), setup.gcLog())) {
            Files.deleteIfExists(old);
        }
        String agentOptions = AGENT_OPTIONS + ",report=" + setup.report() + ",log=" + setup.agentLog();
        Map<String, String> environment = Map.of(
                OrdersApp.DB_URL, database.jdbcUrl(),
                OrdersApp.DB_USER, DemoDatabase.LOGIN,
                OrdersApp.DB_PASSWORD, database.password(),
                OrdersApp.FIXED, Boolean.toString(setup.fixed()));

        try (OrdersService service = OrdersService.start(setup.java(), setup.agentJar(), agentOptions,
                setup.classPath(), environment, setup.serviceLog(), setup.gcLog())) {
            awaitFullPool(service);
            out.println("[1/5] the orders service runs in its own JVM (pid " + service.pid() + ") with -javaagent:closewait-agent.jar="
                    + AGENT_OPTIONS + "; HikariCP pool of " + OrdersApp.POOL_SIZE + ", mssql-jdbc "
                    + (setup.fixed() ? "with connectRetryCount=0 (the fix)" : "defaults (connectRetryCount=1)"));

            List<Integer> warmUp = new ArrayList<>();
            for (int i = 0; i < WARM_UP_REQUESTS; i++) {
                warmUp.add(service.get("/orders"));
            }
            out.println("[2/5] warm-up: " + WARM_UP_REQUESTS + " x GET /orders -> " + tally(warmUp));

            // Output may be a pipe (under Maven it is), so the countdown appends to one line rather than redrawing it.
            out.print("[3/5] the pool sits idle past mssql-jdbc's " + DRIVER_IDLE_CHECK.toSeconds() + " s idle check:");
            for (long left = DRIVER_IDLE_CHECK.toSeconds() + 1; left > 0; left--) {
                out.print(" " + left);
                out.flush();
                Thread.sleep(1000);
            }
            out.println(" 0");

            database.rotatePassword(rotatedPassword);
            int killed = database.killSessions();
            out.println("[4/5] the DBA rotates the password of login '" + DemoDatabase.LOGIN + "' (ALTER LOGIN) and ends its "
                    + killed + " sessions (KILL)");
            awaitCloseWait(service, killed);
            out.println("      kernel: " + describe(KernelSockets.closeWaitByRemote(service.pid()), service.pid()));

            List<Integer> statuses = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < REQUESTS_AFTER_ROTATION; i++) {
                statuses.add(service.get("/orders"));
            }
            long alerts = service.output().lines().filter(line -> line.contains(OrdersApp.LOGIN_FAILED_ALERT)).count();
            out.printf("[5/5] traffic again: %d x GET /orders -> %s in %.1f s; the service logged %s%n", REQUESTS_AFTER_ROTATION,
                    tally(statuses), (System.nanoTime() - started) / 1e9,
                    alerts == 0 ? "nothing" : "\"" + OrdersApp.LOGIN_FAILED_ALERT + " (18456) ...\" " + alerts + " times");
            awaitLeaksReported(killed);
            Map<String, Integer> closeWait = KernelSockets.closeWaitByRemote(service.pid());
            long gcs = service.garbageCollections();
            out.println("      kernel: " + describe(closeWait, service.pid()) + "; the pool holds " + poolTotal(service.body("/health"))
                    + " connections; " + (gcs == 0 ? "no GC ran in the service" : gcs + " GC(s) ran in the service"));
            return new Outcome(killed, statuses, closeWait, gcs, service.output());
        } // closing the service stops its JVM (SIGTERM): the agent writes its final report at exit
    }

    private void awaitFullPool(OrdersService service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (poolTotal(service.body("/health")) < OrdersApp.POOL_SIZE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool never filled: " + service.body("/health"));
            }
            Thread.sleep(100);
        }
    }

    /** Waits (up to 2 s) until the kernel shows the ended sessions' sockets in CLOSE_WAIT: the FIN takes a moment. */
    private static void awaitCloseWait(OrdersService service, int expected) throws Exception {
        if (!KernelSockets.available()) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (total(KernelSockets.closeWaitByRemote(service.pid())) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Waits until the report lists {@code expected} leaks, or until any leak must have been reported. */
    private void awaitLeaksReported(int expected) throws Exception {
        long deadline = System.nanoTime() + REPORTED.toNanos();
        while (LeakReport.read(setup.report()).leaks().size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    /** {@code "total":5} in the service's {@code /health}. */
    private static int poolTotal(String health) {
        int at = health.indexOf("\"total\":") + "\"total\":".length();
        int end = at;
        while (end < health.length() && Character.isDigit(health.charAt(end))) {
            end++;
        }
        return Integer.parseInt(health.substring(at, end));
    }

    private static String tally(List<Integer> statuses) {
        Map<Integer, Integer> counts = new TreeMap<>();
        statuses.forEach(status -> counts.merge(status, 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((status, count) -> parts.add(count + " x " + (status < 0 ? "no answer" : status)));
        return String.join(", ", parts);
    }

    private static int total(Map<String, Integer> closeWaitByRemote) {
        return closeWaitByRemote.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The sockets of process {@code pid} in CLOSE_WAIT, counted by remote. */
    private static String describe(Map<String, Integer> closeWaitByRemote, long pid) {
        if (!KernelSockets.available()) {
            return "not read (no /proc here); lsof -a -iTCP -sTCP:CLOSE_WAIT -p " + pid + " lists them";
        }
        if (closeWaitByRemote.isEmpty()) {
            return "no socket of the service in CLOSE_WAIT";
        }
        List<String> parts = new ArrayList<>();
        closeWaitByRemote.forEach((remote, count) -> parts.add(count + " to " + remote));
        int total = total(closeWaitByRemote);
        return total + (total == 1 ? " socket" : " sockets") + " of the service in CLOSE_WAIT (" + String.join(", ", parts) + ")";
    }
}
