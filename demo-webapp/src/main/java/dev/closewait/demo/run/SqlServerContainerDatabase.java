package dev.closewait.demo.run;

import org.testcontainers.mssqlserver.MSSQLServerContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Real SQL Server in Docker, through Testcontainers, as the demo's database. At start it creates the
 * database {@value #DATABASE} and the login {@value #LOGIN}; an admin connection ({@code sa}) then
 * plays the DBA with {@code ALTER LOGIN} and {@code KILL}.
 */
public final class SqlServerContainerDatabase implements DemoDatabase {

    /** The image the demo runs; its first pull takes a while. */
    public static final String IMAGE = "mcr.microsoft.com/mssql/server:2022-CU20-ubuntu-22.04";

    private final MSSQLServerContainer container;
    private final Connection admin;
    private final String password;

    private SqlServerContainerDatabase(MSSQLServerContainer container, Connection admin, String password) {
        this.container = container;
        this.admin = admin;
        this.password = password;
    }

    /**
     * Starts SQL Server and creates {@link #LOGIN} with {@code password}, a login of its own in the
     * database {@link #DATABASE}. Docker must be available.
     */
    public static SqlServerContainerDatabase start(String password) throws SQLException {
        MSSQLServerContainer container = new MSSQLServerContainer(IMAGE)
                .acceptLicense()
                .withUrlParam("encrypt", "false");
        container.start();
        Connection admin = null;
        try {
            admin = DriverManager.getConnection(container.getJdbcUrl(), container.getUsername(), container.getPassword());
            try (Statement sql = admin.createStatement()) {
                sql.execute("CREATE DATABASE " + DATABASE);
                sql.execute("CREATE LOGIN " + LOGIN + " WITH PASSWORD = " + literal(password) + ", DEFAULT_DATABASE = " + DATABASE);
                sql.execute("USE " + DATABASE + "; CREATE USER " + LOGIN + " FOR LOGIN " + LOGIN);
            }
            return new SqlServerContainerDatabase(container, admin, password);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(admin);
            container.stop();
            throw e;
        }
    }

    @Override
    public String description() {
        return "SQL Server " + IMAGE + " in Docker (Testcontainers) on " + container.getHost() + ":"
                + container.getMappedPort(MSSQLServerContainer.MS_SQL_SERVER_PORT);
    }

    @Override
    public String jdbcUrl() {
        return container.getJdbcUrl() + ";databaseName=" + DATABASE;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public void rotatePassword(String newPassword) throws SQLException {
        try (Statement sql = admin.createStatement()) {
            sql.execute("ALTER LOGIN " + LOGIN + " WITH PASSWORD = " + literal(newPassword));
        }
    }

    @Override
    public int killSessions() throws SQLException {
        List<Integer> sessions = new ArrayList<>();
        try (Statement sql = admin.createStatement();
             ResultSet rows = sql.executeQuery("SELECT session_id FROM sys.dm_exec_sessions"
                     + " WHERE login_name = '" + LOGIN + "' AND is_user_process = 1")) {
            while (rows.next()) {
                sessions.add(rows.getInt(1));
            }
        }
        try (Statement sql = admin.createStatement()) {
            for (int session : sessions) {
                sql.execute("KILL " + session);
            }
        }
        return sessions.size();
    }

    @Override
    public void close() {
        closeQuietly(admin);
        container.stop();
    }

    /** A T-SQL string literal; the demo's passwords are its own, but quote them properly all the same. */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The container stops next; nothing is left to release.
        }
    }
}
