package dev.closewait.it.libraries;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closewait.it.scenarios.Scenario;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Connections the application used correctly and gave back, that the server then closed while they
 * sat idle in their pool: HikariCP's (PostgreSQL ends the sessions with pg_terminate_backend), Apache
 * HttpClient 5's and OkHttp's (the server closes keep-alive connections), and the JDK's
 * HttpURLConnection keep-alive cache. Every one sits in CLOSE_WAIT, held by its pool, not by the
 * application. Arg: PostgreSQL's host:port.
 */
public final class PoolHeldConnections {

    static final String APPLICATION_NAME = "closewait-pool-held";

    public static void main(String[] args) throws Exception {
        String postgres = args[0];
        try (ClosingHttpServer http = new ClosingHttpServer(300)) {
            HikariDataSource orders = ordersPool(postgres);
            awaitIdle(orders, 2);
            terminateSessions(postgres);

            CloseableHttpClient httpClient5 = HttpClients.custom()
                    .setConnectionManager(new PoolingHttpClientConnectionManager()).build();
            Scenario.result("httpClient5", fetchWithHttpClient5(httpClient5, http.url("/stock")));
            OkHttpClient okHttp = new OkHttpClient();
            Scenario.result("okHttp", fetchWithOkHttp(okHttp, http.url("/prices")));
            Scenario.result("urlConnection", fetchWithUrlConnection(http.url("/rates")));
            Scenario.keep(orders, httpClient5, okHttp);
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.step("held");
            Scenario.result("jdkFieldOpenToTheApplication", canReach("sun.net.NetworkClient", "serverSocket"));
            // Read by the agent's peer-close watch, for every open socket's descriptor.
            Scenario.result("descriptorFieldsOpenToTheApplication", canReach("java.net.Socket", "impl")
                    || canReach("java.io.FileDescriptor", "fd") || canReach("sun.nio.ch.SocketChannelImpl", "fd"));
            // The pools close their idle connections, long after the servers closed theirs: late, and the pools'.
            orders.close();
            httpClient5.close();
            okHttp.connectionPool().evictAll();
            Scenario.step("pools-closed");
        }
    }

    /**
     * Whether this class may make a JDK field accessible: the agent read it (the keep-alive cache's
     * socket) but must not have opened its package to the application's class path.
     */
    static boolean canReach(String className, String field) throws ReflectiveOperationException {
        try {
            Class.forName(className).getDeclaredField(field).setAccessible(true);
            return true;
        } catch (RuntimeException refused) { // InaccessibleObjectException
            return false;
        }
    }

    static HikariDataSource ordersPool(String postgres) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("orders-db");
        config.setJdbcUrl("jdbc:postgresql://" + postgres + "/postgres?ApplicationName=" + APPLICATION_NAME);
        config.setUsername("postgres");
        config.setMinimumIdle(2);
        config.setMaximumPoolSize(2);
        HikariDataSource pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("select 1")) {
            r.next();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return pool;
    }

    static void awaitIdle(HikariDataSource pool, int idle) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.getHikariPoolMXBean().getIdleConnections() < idle && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** What a DBA does: ends every session of the application; the server sends FATAL 57P01 and FIN. */
    static void terminateSessions(String postgres) throws Exception {
        try (Connection dba = DriverManager.getConnection("jdbc:postgresql://" + postgres + "/postgres", "postgres", "");
             Statement s = dba.createStatement();
             ResultSet r = s.executeQuery("select count(pg_terminate_backend(pid)) from pg_stat_activity"
                     + " where application_name = '" + APPLICATION_NAME + "'")) {
            r.next();
            Scenario.result("terminated", r.getInt(1));
        }
    }

    static String fetchWithHttpClient5(CloseableHttpClient client, String url) throws Exception {
        return client.execute(new HttpGet(url), response -> EntityUtils.toString(response.getEntity()));
    }

    static String fetchWithOkHttp(OkHttpClient client, String url) throws Exception {
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            return response.body().string();
        }
    }

    static String fetchWithUrlConnection(String url) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
