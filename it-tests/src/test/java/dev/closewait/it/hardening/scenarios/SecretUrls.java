package dev.closewait.it.hardening.scenarios;

import dev.closewait.demo.tds.TdsStandIn;
import dev.closewait.it.scenarios.Scenario;
import org.example.oraclestyle.OracleStyleDriver;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Real JDBC drivers given URLs full of secrets, in every syntax the agent reads: pgjdbc, MariaDB
 * Connector/J, MySQL Connector/J, mssql-jdbc against the TDS stand-in (not SQL Server), and an
 * Oracle-style URL through a driver of this scenario (no Oracle driver is on the build's class
 * path) that echoes its URL in its error, as drivers do. Most logins fail (the URL is recorded as a
 * failed connect); two succeed and their server then ends the session, so the socket is a leak
 * with its JDBC URL. At the end every attribute of the agent's MBean, and its text and JSON
 * reports, go to a file. Args: the file for the MBean's answers, a file of the secrets (see the test).
 */
public final class SecretUrls {

    /** Each URL, printed as {@code RESULT url.<n>=<outcome>}. */
    private static final List<String> OUTCOMES = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Path mbeanDump = Path.of(args[0]);
        // From a file, not the command line: a JFR recording holds the JVM's arguments.
        String[] s = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8).toArray(String[]::new);
        DriverManager.registerDriver(new OracleStyleDriver());
        List<Object> leaked = new ArrayList<>();
        try (TdsStandIn standIn = new TdsStandIn(line -> { }).setPassword("app", s[0]).start()) {
            int tds = standIn.port();
            // SQL Server: a value with spaces, a braced value, an unknown secret parameter name.
            Connection sqlServer = connect("mssql-spaces", "jdbc:sqlserver://127.0.0.1:" + tds
                    + ";databaseName=shop;encrypt=false;user=app;password=" + s[0] + ";OAuthPvtKey=" + s[1]);
            tryConnect("mssql-braced", "jdbc:sqlserver://127.0.0.1:" + tds + ";databaseName=shop;encrypt=false;"
                    + "user=app;password={" + s[2] + "}");
            // PostgreSQL: a query-string password and an unknown parameter; then a session the server ends.
            tryConnect("pg-unknown-role", "jdbc:postgresql://127.0.0.1:5432/postgres?user=cw_no_such_role&password="
                    + s[3] + "&sslmode=disable");
            Connection pg = connect("pg-leak", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&password="
                    + s[4] + "&ApplicationName=closewait-secrets&passcode=" + s[5]);
            // MariaDB Connector/J: a wrong password, and an unknown parameter.
            tryConnect("mariadb", "jdbc:mariadb://127.0.0.1:3306/mysql?user=cw_no_such_user&password=" + s[6]
                    + "&passcode=" + s[7]);
            // MySQL Connector/J: key-value host, address=(...), userinfo holding a '/'.
            tryConnect("mysql-kv", "jdbc:mysql://(host=127.0.0.1,port=3306,user=cw_kv,password=" + s[8] + ")/mysql");
            tryConnect("mysql-address", "jdbc:mysql://address=(host=127.0.0.1)(port=3306)(user=cw_addr)(password="
                    + s[9] + ")/mysql");
            tryConnect("mysql-userinfo", "jdbc:mysql://cw_info:" + s[10] + "@127.0.0.1:3306/mysql");
            // Oracle-style: quoted user and password before '@'.
            try (ServerSocket listener = Scenario.loopbackServer()) {
                OracleStyleDriver.listenOn(listener);
                tryConnect("oracle-quoted", "jdbc:oracle:thin:\"scott\"/\"" + s[11] + "\"@127.0.0.1:"
                        + listener.getLocalPort() + "/XE");
            }
            // The servers end both live sessions: their sockets go to CLOSE_WAIT, the application keeps them.
            Scenario.result("pgPid", terminatePostgresSessions());
            Scenario.result("tdsKilled", standIn.killSessions("app"));
            leaked.add(sqlServer);
            leaked.add(pg);
            Scenario.keep(leaked.toArray());
            OUTCOMES.forEach(outcome -> Scenario.result("url", outcome));
            Scenario.step("connected");
            dumpMBean(mbeanDump);
            Scenario.step("dumped");
        }
    }

    private static Connection connect(String label, String url) {
        try {
            Connection connection = DriverManager.getConnection(url);
            OUTCOMES.add(label + " connected");
            return connection;
        } catch (SQLException failed) {
            OUTCOMES.add(label + " failed " + failed.getErrorCode() + " " + failed.getSQLState());
            return null;
        }
    }

    private static void tryConnect(String label, String url) {
        Connection connection = connect(label, url);
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing to do
            }
        }
    }

    /** Ends every other session of user postgres named closewait-secrets; returns how many. */
    private static int terminatePostgresSessions() throws SQLException {
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
             Statement statement = admin.createStatement();
             java.sql.ResultSet ended = statement.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM"
                     + " pg_stat_activity WHERE application_name = 'closewait-secrets'")) {
            ended.next();
            return ended.getInt(1);
        }
    }

    /** Every attribute of the agent's MBean and both its reports, one after the other. */
    private static void dumpMBean(Path file) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.closewait:type=LeakDetector");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!server.isRegistered(name) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        StringBuilder dump = new StringBuilder();
        for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
            dump.append(attribute.getName()).append(" = ").append(server.getAttribute(name, attribute.getName()))
                    .append('\n');
        }
        dump.append(server.invoke(name, "textReport", null, null)).append('\n');
        dump.append(server.invoke(name, "jsonReport", null, null)).append('\n');
        Files.writeString(file, dump, StandardCharsets.UTF_8);
    }
}
