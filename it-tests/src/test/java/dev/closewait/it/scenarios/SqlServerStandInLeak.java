package dev.closewait.it.scenarios;

import dev.closewait.demo.tds.TdsStandIn;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * mssql-jdbc against the TDS stand-in (not SQL Server: a small server speaking enough TDS for the
 * real driver). First a login with a wrong password (the driver closes its socket: no leak, but a
 * failed connect). Then the driver's own leak: an idle connection whose session the server ends
 * while its password is rotated; the driver's reconnect fails with 18456, the application closes
 * the connection, and the original socket stays in CLOSE_WAIT.
 * Args: the password, a wrong password, the rotated password, idle seconds.
 */
public final class SqlServerStandInLeak {

    public static void main(String[] args) throws Exception {
        String password = args[0];
        String wrongPassword = args[1];
        String rotated = args[2];
        long idleMillis = Long.parseLong(args[3]) * 1000;
        try (TdsStandIn standIn = new TdsStandIn(line -> System.out.println(line)).setPassword("app", password).start()) {
            String url = standIn.jdbcUrl("shop") + ";password=" + password;
            try {
                DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", wrongPassword).close();
                Scenario.result("badPassword", "unexpectedly succeeded");
            } catch (SQLException expected) {
                Scenario.result("badPassword", expected.getErrorCode());
            }

            Connection orders = openOrdersConnection(url);
            Scenario.result("valid", orders.isValid(2));
            Scenario.step("connected");
            Thread.sleep(idleMillis); // past the driver's 15 s idle check: the next use probes the socket first
            standIn.rotatePassword("app", rotated);
            int clientPort = standIn.sessions().get(0).client().getPort();
            Scenario.result("clientPort", clientPort);
            Scenario.result("killed", standIn.killSessions("app"));
            Thread.sleep(300);
            try {
                orders.isValid(5);
                orders.createStatement().execute("SELECT 1");
                Scenario.result("afterKill", "no error");
            } catch (SQLException broken) {
                Scenario.result("afterKill", broken.getErrorCode() + " " + broken.getSQLState());
            }
            orders.close(); // the application does close it
            Scenario.result("closed", orders.isClosed());
            Scenario.result("originalSocketState", Scenario.kernelState(clientPort));
            Scenario.step("closed");
        }
    }

    static Connection openOrdersConnection(String url) throws SQLException {
        return DriverManager.getConnection(url, "app", null);
    }
}
