package dev.closewait.it.scenarios;

import dev.closewait.demo.tds.TdsStandIn;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A JVM that never uses JMX, with one JDBC leak: mssql-jdbc connects to the TDS stand-in with the
 * password in its URL, the server ends the session, and the application keeps the connection
 * (CLOSE_WAIT). Then it waits while the test reads its live report, and exits when told.
 * Args: the password.
 */
public final class ReportTarget {

    public static void main(String[] args) throws Exception {
        String password = args[0];
        try (TdsStandIn standIn = new TdsStandIn(line -> { }).setPassword("app", password).start()) {
            Connection orders = openOrdersConnection(standIn.jdbcUrl("shop") + ";password=" + password);
            Scenario.keep(orders);
            int clientPort = standIn.sessions().get(0).client().getPort();
            standIn.killSessions("app");
            Scenario.awaitKernelState(clientPort, "08");
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.result("clientPort", clientPort);
            Scenario.step("leaked");
        }
    }

    static Connection openOrdersConnection(String url) throws SQLException {
        return DriverManager.getConnection(url, "app", null);
    }
}
