package dev.closewait.it.scenarios;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * MariaDB Connector/J against the real MariaDB: a held connection ended by {@code KILL <id>}, a
 * connection closed properly, and a login with a wrong password. Args: host:port, wrong password.
 */
public final class MariaDbKilled {

    public static void main(String[] args) throws Exception {
        String server = args[0];
        String wrongPassword = args[1];
        Connection held = openInventoryConnection("jdbc:mariadb://" + server + "/test?user=root");
        long id;
        try (Statement s = held.createStatement(); ResultSet r = s.executeQuery("select connection_id()")) {
            r.next();
            id = r.getLong(1);
        }
        try (Connection admin = DriverManager.getConnection("jdbc:mariadb://" + server + "/test", "root", "");
             Statement s = admin.createStatement()) {
            s.execute("KILL " + id);
        }
        try {
            DriverManager.getConnection("jdbc:mariadb://" + server + "/test?user=root&password=" + wrongPassword).close();
            Scenario.result("failedConnect", "unexpectedly succeeded");
        } catch (SQLException expected) {
            Scenario.result("failedConnect", expected.getErrorCode());
        }
        Scenario.result("connectionId", id);
        Scenario.step("killed");
        held.isClosed();
    }

    static Connection openInventoryConnection(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }
}
