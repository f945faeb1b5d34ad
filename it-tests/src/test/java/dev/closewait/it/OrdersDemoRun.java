package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.demo.OrdersApp;
import dev.closewait.demo.run.DemoDatabase;
import dev.closewait.demo.run.OrdersDemo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run of the demo's scenario ({@link OrdersDemo}, what {@code ./mvnw -q -Pdemo verify} runs) with
 * the orders service on a given JDK under the built agent jar, and the checks both demo tests make
 * of what closewait reported, whatever the database.
 */
final class OrdersDemoRun {

    /** The service's password; SQL Server's password policy accepts it. */
    static final String PASSWORD = "OrdersPwd-3c9e-Aa1";
    /** The DBA's new password. */
    static final String ROTATED = "RotatedPwd-7d21-Bb2";

    private static final String DRIVER = "com.microsoft.sqlserver.jdbc.SQLServerDriver";

    final OrdersDemo.Setup setup;
    final OrdersDemo.Outcome outcome;
    final Report report;
    private final String printed;
    private final String jdbcUrl;

    private OrdersDemoRun(OrdersDemo.Setup setup, OrdersDemo.Outcome outcome, Report report, String printed,
                          String jdbcUrl) {
        this.setup = setup;
        this.outcome = outcome;
        this.report = report;
        this.printed = printed;
        this.jdbcUrl = jdbcUrl;
    }

    /** Runs the scenario against {@code database} ({@link #PASSWORD} for the login), the service on {@code jdk}. */
    static OrdersDemoRun run(DemoDatabase database, Jdk jdk, Path work, boolean fixed) throws Exception {
        OrdersDemo.Setup setup = new OrdersDemo.Setup(jdk.java(), ScenarioProcess.agentJar(),
                System.getProperty("closewait.scenario.classpath"), work, fixed);
        ByteArrayOutputStream story = new ByteArrayOutputStream();
        OrdersDemo.Outcome outcome;
        try (PrintStream out = new PrintStream(story, true, StandardCharsets.UTF_8)) {
            outcome = new OrdersDemo(database, setup, out).run(ROTATED);
        }
        return new OrdersDemoRun(setup, outcome, Report.read(setup.report()), story.toString(StandardCharsets.UTF_8),
                database.jdbcUrl());
    }

    /**
     * Every pooled connection's socket is reported: still open in CLOSE_WAIT, though HikariCP
     * closed its JDBC connection after the driver's re-login failed with 18456.
     */
    void assertEveryPooledSocketReportedWithItsFailedLogin() {
        assertEquals(OrdersApp.POOL_SIZE, outcome.sessionsKilled(), this::describe);
        assertEquals(List.of(503, 503, 503), outcome.statusesAfterRotation(), this::describe);
        assertEquals(0, outcome.garbageCollections(), "no GC may reclaim the sockets during the run" + describe());
        assertEquals(1, outcome.closeWaitAtEnd().size(), "one database" + describe());
        String database = outcome.closeWaitAtEnd().keySet().iterator().next();
        assertEquals(OrdersApp.POOL_SIZE, outcome.closeWaitAtEnd().get(database), "the kernel's count" + describe());

        List<JsonNode> leaks = report.leaks();
        assertEquals(OrdersApp.POOL_SIZE, leaks.size(), this::describe);
        assertEquals(OrdersApp.POOL_SIZE, report.summary("leaks"), this::describe);
        for (JsonNode leak : leaks) {
            assertEquals("OPEN", leak.path("status").asText(), leak::toString);
            assertEquals("CLOSE_WAIT", leak.path("state").asText(), leak::toString);
            assertEquals("CONNECT", leak.path("origin").asText(), leak::toString);
            assertEquals(database, leak.path("remote").asText(), "the socket the kernel shows" + describe());
            JsonNode jdbc = leak.path("jdbc");
            assertEquals(jdbcUrl, jdbc.path("url").asText(), "the URL as configured, credentials apart");
            assertEquals(DemoDatabase.LOGIN, jdbc.path("user").asText(), jdbc::toString);
            assertEquals(DRIVER, jdbc.path("driver").asText(), jdbc::toString);
            assertTrue(jdbc.path("connectionClosedAt").isTextual(), "HikariCP closed the connection: " + jdbc);
            assertTrue(jdbc.path("connectionClosedAt").asText().compareTo(leak.path("openedAt").asText()) > 0, leak::toString);
            assertEquals(18456, jdbc.path("connectError").path("errorCode").asInt(), jdbc::toString);
            assertEquals("S0001", jdbc.path("connectError").path("sqlState").asText(), jdbc::toString);
            assertTrue(jdbc.path("connectError").path("message").asText().startsWith("Login failed for user 'app'."),
                    jdbc::toString);
            assertStackHas(leak, "com.zaxxer.hikari.util.DriverDataSource.getConnection(");
        }
        // HikariCP opens its first connection on the caller's thread, the others on its connection adder.
        assertEquals(1, leaks.stream().filter(leak -> stackHas(leak, "dev.closewait.demo.OrdersApp.main(")).count(),
                this::describe);
        assertEquals(OrdersApp.POOL_SIZE - 1, leaks.stream()
                .filter(leak -> leak.path("thread").asText().equals("HikariPool-1:connection-adder"))
                .filter(leak -> stackHas(leak, "com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call("))
                .count(), this::describe);

        JsonNode failures = onlyConnectFailure();
        assertEquals(jdbcUrl, failures.path("url").asText());
        assertTrue(failures.path("count").asInt() > OrdersApp.POOL_SIZE, "each pooled connection's re-login, then"
                + " the pool's new connections: " + failures);
        assertEquals(OrdersApp.POOL_SIZE, failures.path("reconnects").asInt(), "one failed re-login per pooled connection: "
                + failures);
        String agentLog = read(setup.agentLog());
        assertTrue(agentLog.contains("but its socket is still open: the driver abandoned it; last connect error 18456 (S0001)"),
                agentLog);
        assertFalse(outcome.serviceOutput().contains(OrdersApp.LOGIN_FAILED_ALERT), "the bug: the failure is swallowed");
        assertNoSecret();
    }

    /** With the fix: the same failed logins, no socket left behind, and the service says what went wrong. */
    void assertNoSocketLeftBehind() {
        assertEquals(OrdersApp.POOL_SIZE, outcome.sessionsKilled(), this::describe);
        assertEquals(List.of(503, 503, 503), outcome.statusesAfterRotation(), this::describe);
        assertEquals(Set.of(), outcome.closeWaitAtEnd().keySet(), "the kernel's view" + describe());
        assertEquals(0, report.summary("leaks"), this::describe);
        assertEquals(List.of(), report.leaks(), this::describe);
        // Not "open" == 0: HikariCP keeps retrying the login in the background, and a socket of an attempt
        // still in flight when the service stops is open in the final report, though it is no leak.
        assertTrue(report.summary("tracked") >= OrdersApp.POOL_SIZE, this::describe);

        JsonNode failure = onlyConnectFailure();
        assertTrue(failure.path("url").asText().endsWith(";connectRetryCount=0"), failure::toString);
        assertEquals(18456, failure.path("lastErrorCode").asInt(), failure::toString);
        assertEquals(0, failure.path("reconnects").asInt(), "connectRetryCount=0: the driver never reconnects " + failure);
        assertTrue(outcome.serviceOutput().lines().anyMatch(line -> line.contains(OrdersApp.LOGIN_FAILED_ALERT + " (18456): "
                + "Login failed for user 'app'.")), "the fix reports the failed login:\n" + outcome.serviceOutput());
        assertNoSecret();
    }

    private JsonNode onlyConnectFailure() {
        List<JsonNode> failures = report.jdbcConnectFailures();
        assertEquals(1, failures.size(), this::describe);
        JsonNode failure = failures.get(0);
        assertEquals(DemoDatabase.LOGIN, failure.path("user").asText(), failure::toString);
        assertEquals(18456, failure.path("lastErrorCode").asInt(), failure::toString);
        assertEquals("S0001", failure.path("lastSqlState").asText(), failure::toString);
        return failure;
    }

    /** Neither password in the agent's report or log, nor in anything the service printed. */
    private void assertNoSecret() {
        String everything = read(setup.report()) + read(setup.agentLog()) + outcome.serviceOutput();
        for (String secret : List.of(PASSWORD, ROTATED)) {
            assertFalse(everything.contains(secret), "a password in the output" + describe());
        }
    }

    private static void assertStackHas(JsonNode leak, String frame) {
        assertTrue(stackHas(leak, frame), () -> frame + " in " + Report.stack(leak));
    }

    private static boolean stackHas(JsonNode leak, String frame) {
        return Report.stack(leak).stream().anyMatch(f -> f.startsWith(frame));
    }

    /** What the demo printed and the files it wrote, for failure messages. */
    String describe() {
        return "\n--- demo ---\n" + printed + "\n--- report ---\n" + report.json().toPrettyString()
                + "\n--- closewait log ---\n" + read(setup.agentLog())
                + "\n--- service output ---\n" + outcome.serviceOutput().lines()
                        .filter(line -> !line.startsWith("    ")).collect(Collectors.joining("\n"));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
