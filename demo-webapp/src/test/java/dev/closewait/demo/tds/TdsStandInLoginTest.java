package dev.closewait.demo.tds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Logins, failed logins and queries through the real mssql-jdbc driver against a fresh stand-in per test. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TdsStandInLoginTest {

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private TdsStandIn standIn;

    @BeforeEach
    void startStandIn() throws Exception {
        standIn = new TdsStandIn(line -> {
            logLines.add(line);
            System.out.println(line);
        }).setPassword("app", "secret").start();
    }

    @AfterEach
    void closeStandIn() {
        standIn.close();
    }

    @Test
    void logsInAnswersSelectOneAndPassesIsValid() throws Exception {
        try (Connection connection = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret")) {
            assertTrue(connection.isValid(2));
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT 1")) {
                assertTrue(rows.next());
                assertEquals(1, rows.getInt(1));
                assertFalse(rows.next());
            }
            assertEquals("shop", connection.getCatalog());
            List<TdsStandInSession> sessions = standIn.sessions();
            assertEquals(1, sessions.size());
            assertEquals("app", sessions.get(0).login());
            assertEquals("shop", sessions.get(0).database());
        }
        assertEquals(1, standIn.loginsSucceeded());
        Await.until(() -> standIn.openConnections() == 0, () -> "connection closed on the stand-in's side");
    }

    @Test
    void wrongPasswordFailsWith18456AndTheDriverClosesItsSocket() {
        SQLException failure = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "wrong"));

        assertEquals(18456, failure.getErrorCode());
        assertEquals("S0001", failure.getSQLState());
        assertTrue(failure.getMessage().startsWith("Login failed for user 'app'."), failure.getMessage());
        assertEquals(1, standIn.loginsFailed());
        assertEquals(0, standIn.loginsSucceeded());
        assertTrue(logLines.stream().anyMatch(line -> line.startsWith("[TDS stand-in] login failed for 'app' (18456)")),
                () -> "log: " + logLines);
        Await.until(() -> standIn.openConnections() == 0, () -> "failed login's connection closed");
        if (KernelTcpTable.isAvailable()) {
            Await.until(() -> KernelTcpTable.socketsConnectedTo(standIn.port()).values().stream()
                            .allMatch(KernelTcpTable::closedHere),
                    () -> "the driver closed its socket, table " + KernelTcpTable.socketsConnectedTo(standIn.port()));
        }
    }

    @Test
    void unknownLoginFailsWith18456() {
        SQLException failure = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(standIn.jdbcUrl("shop"), "nobody", "secret"));

        assertEquals(18456, failure.getErrorCode());
        assertTrue(failure.getMessage().startsWith("Login failed for user 'nobody'."), failure.getMessage());
    }

    @Test
    void rotatedPasswordRefusesNewLoginsButKeepsLiveSessions() throws Exception {
        try (Connection connection = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret")) {
            standIn.rotatePassword("app", "rotated");

            assertTrue(connection.isValid(2));
            SQLException failure = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret"));
            assertEquals(18456, failure.getErrorCode());
            DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "rotated").close();
        }
        assertThrows(IllegalArgumentException.class, () -> standIn.rotatePassword("nobody", "x"));
    }

    @Test
    void sqlOtherThanSelectOneGetsAnErrorAndTheSessionStaysUsable() throws Exception {
        try (Connection connection = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret");
                Statement statement = connection.createStatement()) {
            SQLException failure = assertThrows(SQLException.class,
                    () -> statement.executeQuery("SELECT name FROM customers"));

            assertEquals(TdsConversation.NOT_IMPLEMENTED, failure.getErrorCode());
            assertTrue(failure.getMessage().contains("TDS stand-in answers only SELECT 1"), failure.getMessage());
            assertTrue(connection.isValid(2));
            try (ResultSet rows = statement.executeQuery("  select   1 ; ")) {
                assertTrue(rows.next());
                assertEquals(1, rows.getInt(1));
            }
        }
    }

    @Test
    void preparedStatementsAreRefusedWithAnErrorNotAHang() throws Exception {
        try (Connection connection = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret");
                var statement = connection.prepareStatement("SELECT ?")) {
            statement.setInt(1, 1);
            SQLException failure = assertThrows(SQLException.class, statement::executeQuery);

            assertEquals(TdsConversation.NOT_IMPLEMENTED, failure.getErrorCode());
            assertTrue(connection.isValid(2));
        }
    }

    @Test
    void encryptedConnectionsAreRefusedByTheDriverNotLeftHanging() {
        String withTls = standIn.jdbcUrl("shop").replace("encrypt=false", "encrypt=true");

        SQLException failure = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(withTls, "app", "secret"));

        assertEquals(0, standIn.loginsSucceeded() + standIn.loginsFailed(), failure::toString);
        Await.until(() -> standIn.openConnections() == 0, () -> "refused connection closed");
    }

    @Test
    void closeEndsConnectionsAndLeavesNoThreadRunning() throws Exception {
        Connection connection = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret");
        try {
            standIn.close();

            assertFalse(connection.isValid(2));
            assertEquals(List.of(), standInThreads());
        } finally {
            connection.close();
        }
    }

    private static List<String> standInThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(TdsStandIn.THREAD_NAME_PREFIX))
                .toList();
    }
}
