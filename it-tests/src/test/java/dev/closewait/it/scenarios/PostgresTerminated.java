package dev.closewait.it.scenarios;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * pgjdbc against the real PostgreSQL: a held connection whose backend is terminated by the server
 * (pg_terminate_backend: FATAL then FIN), a connection used and closed properly, and a connect that
 * fails. The URL and properties carry secrets that must never show up.
 * Args: host:port, URL secret, properties secret.
 */
public final class PostgresTerminated {

    public static void main(String[] args) throws Exception {
        String server = args[0];
        String urlSecret = args[1];
        String propertySecret = args[2];

        Connection held = openOrdersConnection("jdbc:postgresql://" + server + "/postgres?user=postgres&password="
                + urlSecret + "&ApplicationName=closewait-it");
        int backend;
        try (Statement s = held.createStatement(); ResultSet r = s.executeQuery("select pg_backend_pid()")) {
            r.next();
            backend = r.getInt(1);
        }
        try (Connection proper = DriverManager.getConnection("jdbc:postgresql://" + server + "/postgres", "postgres", "");
             Statement s = proper.createStatement()) {
            s.execute("select pg_terminate_backend(" + backend + ")");
        }
        Properties wrong = new Properties();
        wrong.setProperty("user", "postgres");
        wrong.setProperty("password", propertySecret);
        try {
            DriverManager.getConnection("jdbc:postgresql://" + server + "/no_such_database_closewait", wrong).close();
            Scenario.result("failedConnect", "unexpectedly succeeded");
        } catch (SQLException expected) {
            Scenario.result("failedConnect", expected.getSQLState());
        }
        Scenario.result("backend", backend);
        Scenario.step("terminated");
        held.isClosed(); // keep the held connection reachable until the test has looked
    }

    static Connection openOrdersConnection(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }
}
