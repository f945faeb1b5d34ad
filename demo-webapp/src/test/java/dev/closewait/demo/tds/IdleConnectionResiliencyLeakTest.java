package dev.closewait.demo.tds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The leak the demo is about, reproduced with the real driver: mssql-jdbc's idle connection
 * resiliency ({@code connectRetryCount=1} by default) finds a killed session's socket dead after the
 * connection sat idle, opens a new socket to reconnect, and never closes the old one.
 *
 * <p>The driver only checks a socket after {@value #DRIVER_IDLE_MILLIS} ms without network activity
 * ({@code SQLServerConnection.IdleNetworkTracker}; no property changes it, only the driver's own tests
 * do, by reflection, which users never run), so every connection here is
 * opened first and all of them sit out that one wait together; each test then uses its own connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdleConnectionResiliencyLeakTest {

    /** mssql-jdbc's {@code IdleNetworkTracker.maxIdleMillis}. */
    private static final long DRIVER_IDLE_MILLIS = 15_000;
    /** Beyond the threshold: the driver compares with a strict "after". */
    private static final Duration IDLE_WAIT = Duration.ofMillis(DRIVER_IDLE_MILLIS + 1_000);

    private TdsStandIn standIn;
    private Connection reconnectFails;
    private int reconnectFailsPort;
    private Connection reconnectSucceeds;
    private int reconnectSucceedsPort;
    private Connection noRetries;
    private int noRetriesPort;

    @BeforeAll
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void connectIdleKillAndRotate() throws Exception {
        assumeTrue(KernelTcpTable.isAvailable(), "needs /proc/self/net/tcp to read TCP states (Linux)");
        standIn = new TdsStandIn(System.out::println)
                .setPassword("app", "secret")
                .setPassword("reporting", "secret")
                .start();
        String url = standIn.jdbcUrl("shop");
        reconnectFails = DriverManager.getConnection(url, "app", "secret");
        reconnectFailsPort = newestClientPort();
        reconnectSucceeds = DriverManager.getConnection(url, "reporting", "secret");
        reconnectSucceedsPort = newestClientPort();
        noRetries = DriverManager.getConnection(url + ";connectRetryCount=0", "app", "secret");
        noRetriesPort = newestClientPort();

        // The driver's idle clock runs from the last socket read, the LOGINACK; no polling can shorten it.
        Thread.sleep(IDLE_WAIT.toMillis());

        assertEquals(2, standIn.killSessions("app"));
        assertEquals(1, standIn.killSessions("reporting"));
        for (int port : new int[] {reconnectFailsPort, reconnectSucceedsPort, noRetriesPort}) {
            Await.until(() -> KernelTcpTable.CLOSE_WAIT.equals(stateOf(port)),
                    () -> "client socket :" + port + " in CLOSE_WAIT, state " + stateOf(port));
        }
        standIn.rotatePassword("app", "rotated");
    }

    @AfterAll
    void closeEverything() throws SQLException {
        for (Connection connection : new Connection[] {reconnectFails, reconnectSucceeds, noRetries}) {
            if (connection != null) {
                connection.close();
            }
        }
        if (standIn != null) {
            standIn.close();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void failedReconnectKeepsTheOriginalSocketInCloseWaitAfterClose() throws Exception {
        int failedBefore = standIn.loginsFailed();

        SQLException failure;
        try (Statement statement = reconnectFails.createStatement()) {
            failure = assertThrows(SQLException.class, () -> statement.executeQuery("SELECT 1"));
        }
        printChain("reconnect refused with 18456", failure);

        assertTrue(chain(failure).stream().anyMatch(e -> e.getErrorCode() == 18456),
                "an 18456 in the cause chain");
        // 13.6.2 wraps the reconnect's 18456 in a non-fatal error, so its login loop tries twice.
        assertTrue(standIn.loginsFailed() > failedBefore, "the reconnect's login reached the stand-in");
        assertTrue(reconnectFails.isClosed(), "the driver closed the Connection");
        Set<Integer> killedOriginals = Set.of(reconnectFailsPort, reconnectSucceedsPort, noRetriesPort);
        Await.until(() -> killedOriginals.containsAll(portsInCloseWait()),
                () -> "the reconnect attempts' own sockets closed; CLOSE_WAIT: " + portsInCloseWait()
                        + ", killed originals: " + killedOriginals);
        reconnectFails.close();
        // Only a GC could release it now (the JDK's cleaner); this short window allocates too little for one.
        assertEquals(KernelTcpTable.CLOSE_WAIT, stateOf(reconnectFailsPort),
                "the original socket, abandoned by the driver, is still in CLOSE_WAIT after Connection.close()");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void successfulReconnectAlsoKeepsTheOriginalSocketInCloseWait() throws Exception {
        int succeededBefore = standIn.loginsSucceeded();

        try (Statement statement = reconnectSucceeds.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1));
        }

        assertEquals(succeededBefore + 1, standIn.loginsSucceeded(), "the driver reconnected transparently");
        int newPort = standIn.sessions().stream()
                .filter(session -> session.login().equals("reporting"))
                .findFirst().orElseThrow().client().getPort();
        assertNotEquals(reconnectSucceedsPort, newPort);
        reconnectSucceeds.close();
        Await.until(() -> KernelTcpTable.closedHere(stateOf(newPort)),
                () -> "the reconnected socket :" + newPort + " closed");
        assertEquals(KernelTcpTable.CLOSE_WAIT, stateOf(reconnectSucceedsPort),
                "the original socket is still in CLOSE_WAIT after Connection.close()");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void withoutRetriesTheDeadSocketIsClosedOnFirstUse() throws Exception {
        int loginsBefore = standIn.loginsSucceeded() + standIn.loginsFailed();

        SQLException failure;
        try (Statement statement = noRetries.createStatement()) {
            failure = assertThrows(SQLException.class, () -> statement.executeQuery("SELECT 1"));
        }
        printChain("connectRetryCount=0", failure);
        noRetries.close();

        assertEquals(loginsBefore, standIn.loginsSucceeded() + standIn.loginsFailed(), "no reconnect attempted");
        Await.until(() -> KernelTcpTable.closedHere(stateOf(noRetriesPort)),
                () -> "socket :" + noRetriesPort + " out of CLOSE_WAIT, state " + stateOf(noRetriesPort));
    }

    private String stateOf(int clientPort) {
        return KernelTcpTable.stateOf(clientPort, standIn.port());
    }

    private Set<Integer> portsInCloseWait() {
        Set<Integer> ports = new HashSet<>();
        KernelTcpTable.socketsConnectedTo(standIn.port()).forEach((port, state) -> {
            if (KernelTcpTable.CLOSE_WAIT.equals(state)) {
                ports.add(port);
            }
        });
        return ports;
    }

    private int newestClientPort() {
        List<TdsStandInSession> sessions = standIn.sessions();
        return sessions.get(sessions.size() - 1).client().getPort();
    }

    private static List<SQLException> chain(SQLException top) {
        List<SQLException> chain = new ArrayList<>();
        for (Throwable t = top; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                chain.add(sql);
            }
        }
        return chain;
    }

    private static void printChain(String what, SQLException failure) {
        System.out.println(what + ":");
        for (SQLException e : chain(failure)) {
            System.out.println("  " + e.getClass().getSimpleName() + " errorCode=" + e.getErrorCode()
                    + " SQLState=" + e.getSQLState() + " message=" + e.getMessage());
        }
    }
}
