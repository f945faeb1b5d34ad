package dev.closewait.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's orders service: {@code GET /orders} and {@code GET /health} on the JDK's
 * {@link HttpServer}, backed by a HikariCP pool of mssql-jdbc connections with the driver's default
 * settings. It has the bug the demo is about: a failed SQL Server login (error 18456) is taken for a
 * passing outage, answered 503 and forgotten, while the driver leaves a socket in CLOSE_WAIT behind
 * each connection it failed to log back in: see {@code listOrders}, where the bug and the fix are marked.
 *
 * <p>Configured by environment variables: {@value #DB_URL}, {@value #DB_USER}, {@value #DB_PASSWORD},
 * and {@value #FIXED} ({@code true} runs the fixed version). Listens on 127.0.0.1, on a port the system
 * picks, and prints {@value #READY}{@code <port>} once it serves.
 */
public final class OrdersApp {

    /** The JDBC URL, without credentials. */
    public static final String DB_URL = "ORDERS_DB_URL";
    /** The SQL Server login. */
    public static final String DB_USER = "ORDERS_DB_USER";
    /** Its password. */
    public static final String DB_PASSWORD = "ORDERS_DB_PASSWORD";
    /** {@code true}: run with the fix (no driver reconnect, failed logins reported). */
    public static final String FIXED = "ORDERS_FIXED";
    /** The line printed once the service serves, followed by its port. */
    public static final String READY = "orders service listening on http://127.0.0.1:";
    /** Starts the line the fixed version logs for each failed login. */
    public static final String LOGIN_FAILED_ALERT = "ALERT: SQL Server refused the login";
    /** SQL Server's "Login failed for user" error. */
    public static final int LOGIN_FAILED = 18456;
    /** Connections in the pool (HikariCP keeps them all open: minimumIdle defaults to this). */
    public static final int POOL_SIZE = 5;

    private static final Logger LOG = LoggerFactory.getLogger(OrdersApp.class);
    /** Any SQL the demo's databases answer: the TDS stand-in runs nothing but {@code SELECT 1}. */
    private static final String ORDERS_QUERY = "SELECT 1";

    private final HikariDataSource pool;
    private final boolean fixed;

    private OrdersApp(HikariDataSource pool, boolean fixed) {
        this.pool = pool;
        this.fixed = fixed;
    }

    /** Starts the service; it runs until the JVM is told to stop. */
    public static void main(String[] args) throws IOException {
        boolean fixed = Boolean.parseBoolean(System.getenv(FIXED));
        HikariDataSource pool = new HikariDataSource(poolConfig(env(DB_URL), env(DB_USER), env(DB_PASSWORD), fixed));
        OrdersApp app = new OrdersApp(pool, fixed);

        ExecutorService workers = Executors.newFixedThreadPool(4, namedThreads("http-worker-"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/orders", app::listOrders);
        server.createContext("/health", app::health);
        server.setExecutor(workers);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            workers.shutdownNow();
            pool.close();
        }, "orders-shutdown"));
        System.out.println(READY + server.getAddress().getPort());
    }

    private static HikariConfig poolConfig(String url, String user, String password, boolean fixed) {
        HikariConfig config = new HikariConfig();
        // THE FIX, part 1: connectRetryCount=0 turns off mssql-jdbc's idle connection resiliency. With
        // the default (1), a connection idle over 15 s whose socket the server closed is "recovered" on a
        // new socket, and the old one is never closed: it sits in CLOSE_WAIT until a GC.
        config.setJdbcUrl(fixed ? url + ";connectRetryCount=0" : url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        // A request waits at most 1 s for a connection, then the service answers 503.
        config.setConnectionTimeout(1_000);
        return config;
    }

    private void listOrders(HttpExchange exchange) throws IOException {
        try (Connection connection = pool.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(ORDERS_QUERY)) {
            rows.next();
            respond(exchange, 200, "{\"orders\":[]}");
        } catch (SQLException e) {
            // THE BUG: every SQLException is taken for a passing outage ("the pool will recover"): 503,
            // nothing logged. Here it is a failed login, 18456, in the cause of HikariCP's "Connection is
            // not available": the service's password is out of date and nothing will recover. Meanwhile
            // each pooled connection the driver failed to log back in left its socket in CLOSE_WAIT.
            // THE FIX, part 2: tell a failed login apart and report it, loudly enough to alert on.
            if (fixed) {
                reportLoginFailure(e);
            }
            respond(exchange, 503, "{\"error\":\"orders are unavailable, try again later\"}");
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        HikariPoolMXBean stats = pool.getHikariPoolMXBean();
        respond(exchange, 200, "{\"status\":\"UP\",\"pool\":{\"total\":" + stats.getTotalConnections()
                + ",\"idle\":" + stats.getIdleConnections() + ",\"active\":" + stats.getActiveConnections() + "}}");
    }

    /** Logs the driver's 18456, wherever it sits in the cause chain, with what to do about it. */
    private static void reportLoginFailure(SQLException failure) {
        SQLException loginFailure = null;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getErrorCode() == LOGIN_FAILED) {
                loginFailure = sql; // the innermost one: the driver's own message (HikariCP copies the code outward)
            }
        }
        if (loginFailure != null) {
            LOG.error("{} ({}): {} The service's credentials are out of date: update {} and restart.",
                    LOGIN_FAILED_ALERT, LOGIN_FAILED, loginFailure.getMessage(), DB_PASSWORD);
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String env(String name) {
        return Objects.requireNonNull(System.getenv(name), () -> "set the environment variable " + name);
    }

    private static ThreadFactory namedThreads(String prefix) {
        AtomicInteger next = new AtomicInteger(1);
        return runnable -> new Thread(runnable, prefix + next.getAndIncrement());
    }
}
