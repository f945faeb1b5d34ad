package dev.closewait.demo.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.demo.OrdersApp;
import org.testcontainers.DockerClientFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code ./mvnw -q -Pdemo verify [-Ddemo.fixed]}: runs the {@link OrdersDemo} against SQL Server where
 * Docker is available, else against the TDS stand-in, then prints what closewait found and what it
 * means. Exit status 0 when the demo showed what it is meant to (the leaks, or with the fix none),
 * 1 otherwise.
 *
 * <p>System properties: {@code demo.agentJar} (the agent jar), {@code demo.serviceClassPath} (the
 * orders service's class path), {@code demo.workDir} (where the report and logs go),
 * {@code demo.fixed} ({@code true} runs the fixed service).
 */
public final class DemoRunner {

    private static final PrintStream OUT = System.out;

    private DemoRunner() {
    }

    public static void main(String[] args) {
        exitWithParent();
        OrdersDemo.Setup setup = new OrdersDemo.Setup(
                Path.of(System.getProperty("java.home"), "bin", "java"),
                Path.of(required("demo.agentJar")).toAbsolutePath().normalize(),
                required("demo.serviceClassPath"),
                Path.of(required("demo.workDir")).toAbsolutePath().normalize(),
                Boolean.getBoolean("demo.fixed"));
        int status;
        try {
            status = run(setup);
        } catch (Exception e) {
            OUT.println();
            OUT.println("The demo broke: " + e);
            OUT.println("The service's output: " + shown(setup.serviceLog()) + "; closewait's: " + shown(setup.agentLog()));
            e.printStackTrace(OUT);
            status = 1;
        }
        System.exit(status);
    }

    private static int run(OrdersDemo.Setup setup) throws Exception {
        if (!Files.isRegularFile(setup.agentJar())) {
            throw new IOException("no agent jar at " + setup.agentJar() + ": build it first (./mvnw -q -Pdemo verify builds it)");
        }
        OUT.println("closewait demo" + (setup.fixed() ? ", WITH THE FIX" : "")
                + ": an orders service whose SQL Server login fails (18456) after a password rotation");
        try (DemoDatabase database = startDatabase(secret())) {
            OrdersDemo.Outcome outcome = new OrdersDemo(database, setup, OUT).run(secret());
            LeakReport report = LeakReport.read(setup.report());
            OUT.println();
            return setup.fixed() ? concludeFixed(report, setup) : concludeLeak(outcome, report, setup);
        }
    }

    /**
     * Maven does not stop the JVMs it started when it is stopped itself (a CI timeout): this one then
     * exits too. Its shutdown hook stops the service; the stand-in's threads end with this JVM, and
     * Testcontainers removes its container when this JVM is gone.
     */
    private static void exitWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            System.err.println("The build that started the demo is gone: stopping.");
            System.exit(1);
        }));
    }

    /** SQL Server where Docker runs, else the stand-in; says which in one line. */
    private static DemoDatabase startDatabase(String password) throws Exception {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            OUT.println("database: SQL Server " + SqlServerContainerDatabase.IMAGE + " through Testcontainers (Docker is"
                    + " available); starting it takes a minute, and the first run pulls the image");
            return SqlServerContainerDatabase.start(password);
        }
        TdsStandInDatabase standIn = TdsStandInDatabase.start(password, line -> { });
        OUT.println("database: Docker is not available, so " + standIn.description());
        return standIn;
    }

    private static int concludeLeak(OrdersDemo.Outcome outcome, LeakReport report, OrdersDemo.Setup setup)
            throws IOException {
        List<JsonNode> leaks = report.leaks();
        if (report.abandonedAfterFailedLogin() == 0) {
            OUT.println("The leak did not reproduce: closewait reported " + leaks.size() + " leak(s), none left behind by a"
                    + " connection closed after a failed login (18456); " + outcome.garbageCollections() + " GC(s) ran in"
                    + " the service. See " + shown(setup.agentLog()) + " and " + shown(setup.serviceLog()) + ".");
            return 1;
        }
        OUT.println("closewait found " + leaks.size() + (leaks.size() == 1 ? " leak" : " leaks") + " (" + shown(setup.report()) + "):");
        String row = "  %-5s %-7s %-11s %-38s %-31s %-19s %s%n";
        OUT.printf(row, "leak", "status", "state", "local -> remote", "opened by thread", "connection closed", "connect error");
        for (JsonNode leak : leaks) {
            JsonNode jdbc = leak.path("jdbc");
            OUT.printf(row, "#" + leak.path("id").asLong(), leak.path("status").asText(), leak.path("state").asText(),
                    leak.path("local").asText() + " -> " + leak.path("remote").asText(), leak.path("thread").asText(),
                    timeOfDay(jdbc.path("connectionClosedAt").asText()), jdbc.path("connectError").path("errorCode").asText());
        }
        leaks.stream().map(leak -> leak.path("jdbc"))
                .map(jdbc -> "  JDBC " + jdbc.path("url").asText() + "  user " + jdbc.path("user").asText() + "  driver "
                        + jdbc.path("driver").asText())
                .distinct().forEach(OUT::println);
        for (JsonNode failure : report.jdbcConnectFailures()) {
            int reconnects = failure.path("reconnects").asInt();
            OUT.println("  failed logins: " + failure.path("count").asInt() + " x " + failure.path("lastErrorCode").asInt()
                    + " (" + failure.path("lastSqlState").asText() + ") \"" + firstSentence(failure.path("lastMessage").asText())
                    + "\" for " + failure.path("url").asText()
                    + (reconnects == 0 ? "" : "; " + reconnects + " of them the driver's own re-logins of pooled connections"));
        }
        List<String> block = agentBlock(setup.agentLog(), applicationLeakId(leaks));
        if (!block.isEmpty()) {
            OUT.println("closewait's own words (" + shown(setup.agentLog()) + "):");
            block.forEach(line -> OUT.println("  " + line));
        }
        OUT.println();
        OUT.println(wrap("What happened: the DBA's KILL closed the service's " + outcome.sessionsKilled() + " pooled"
                + " connections (FIN: CLOSE_WAIT on the service's side). After 15 s idle, HikariCP's check"
                + " (Connection.isValid) made mssql-jdbc recover each one on a new socket (idle connection resiliency,"
                + " connectRetryCount=1 by default) with the old password: login failed, 18456, which isValid hides"
                + " behind a plain false. HikariCP closed the connections, but the driver never closed their first"
                + " sockets: they stay in CLOSE_WAIT, a descriptor and a port each, until a GC. New connections failed"
                + " with 18456 too, and the service took HikariCP's SQLTransientConnectionException for a passing"
                + " outage: 503, nothing logged. closewait shows each socket with its JDBC connection: closed by the"
                + " pool, socket still open, login error 18456. The fix: connectRetryCount=0 in the JDBC URL (the driver"
                + " closes a dead connection's socket at first use; the pool replaces it), and treat 18456 as wrong"
                + " credentials, not an outage: log it, alert on it, rotate the service's secret with the login's"
                + " password. See it: ./mvnw -q -Pdemo verify -Ddemo.fixed"));
        return 0;
    }

    private static int concludeFixed(LeakReport report, OrdersDemo.Setup setup) throws IOException {
        if (!report.json().has("summary")) {
            OUT.println("The fix could not be checked: closewait wrote no report (" + shown(setup.report()) + ").");
            return 1;
        }
        if (!report.leaks().isEmpty()) {
            OUT.println("The fix did not hold: closewait reported " + report.leaks().size() + " leak(s); see "
                    + shown(setup.agentLog()) + ".");
            return 1;
        }
        OUT.println("closewait's summary (" + shown(setup.agentLog()) + "):");
        agentSummary(setup.agentLog()).forEach(line -> OUT.println("  " + line));
        OUT.println();
        OUT.println(wrap("What happened: the same rotation, the same 503s (the service's password is still out of"
                + " date), but with connectRetryCount=0 mssql-jdbc closed each dead connection's socket when HikariCP"
                + " checked it, and the service reported the failed login instead of swallowing it (see "
                + shown(setup.serviceLog()) + "). closewait tracked " + report.json().path("summary").path("tracked").asLong()
                + " sockets and found none left open: " + shown(setup.report()) + " lists 0 leaks."));
        OUT.println();
        OUT.println("closewait: no connection leaks.");
        return 0;
    }

    /** The leak whose creation stack reaches the application's own code, else the first. */
    private static long applicationLeakId(List<JsonNode> leaks) {
        for (JsonNode leak : leaks) {
            for (JsonNode frame : leak.path("stack")) {
                if (frame.asText().startsWith("dev.closewait.demo.")) {
                    return leak.path("id").asLong();
                }
            }
        }
        return leaks.get(0).path("id").asLong();
    }

    /** The agent's text block for leak {@code id}: its {@code LEAK #id:} line and the indented lines under it. */
    private static List<String> agentBlock(Path agentLog, long id) throws IOException {
        List<String> block = new ArrayList<>();
        for (String line : Files.readAllLines(agentLog)) {
            if (line.startsWith("[closewait] LEAK #" + id + ": ")) {
                block.add(line);
            } else if (!block.isEmpty() && line.startsWith("    ")) {
                block.add(line);
            } else if (!block.isEmpty()) {
                break;
            }
        }
        return block;
    }

    /** The summary the agent printed at exit, with its failed connects. */
    private static List<String> agentSummary(Path agentLog) throws IOException {
        return Files.readAllLines(agentLog).stream()
                .filter(line -> line.startsWith("[closewait] summary: ") || line.startsWith("[closewait] JDBC connect failed "))
                .toList();
    }

    private static String timeOfDay(String isoInstant) {
        int t = isoInstant.indexOf('T');
        return t < 0 ? isoInstant : isoInstant.substring(t + 1);
    }

    private static String firstSentence(String message) {
        int end = message.indexOf(". ");
        return end < 0 ? message : message.substring(0, end + 1);
    }

    /** {@code path} relative to the directory the demo was started from, when it is below it. */
    private static String shown(Path path) {
        Path here = Path.of("").toAbsolutePath();
        return path.startsWith(here) ? here.relativize(path).toString() : path.toString();
    }

    private static String wrap(String paragraph) {
        StringBuilder wrapped = new StringBuilder();
        int lineStart = 0;
        for (String word : paragraph.split(" ")) {
            if (wrapped.length() - lineStart + word.length() > 100) {
                wrapped.append('\n');
                lineStart = wrapped.length();
            } else if (wrapped.length() > lineStart) {
                wrapped.append(' ');
            }
            wrapped.append(word);
        }
        return wrapped.toString();
    }

    /** A password that SQL Server's policy accepts, fresh for each run, so none can be found by accident. */
    private static String secret() {
        return "Demo-" + UUID.randomUUID().toString().substring(0, 8) + "-Pw1";
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("set -D" + property);
        }
        return value;
    }
}
