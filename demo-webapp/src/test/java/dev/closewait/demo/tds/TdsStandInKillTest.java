package dev.closewait.demo.tds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** KILL as the stand-in does it: the server closes its socket without a word, the client's goes to CLOSE_WAIT. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TdsStandInKillTest {

    private TdsStandIn standIn;

    @BeforeEach
    void startStandIn() throws Exception {
        standIn = new TdsStandIn(System.out::println)
                .setPassword("app", "secret")
                .setPassword("reporting", "secret")
                .start();
    }

    @AfterEach
    void closeStandIn() {
        standIn.close();
    }

    @Test
    void killSessionsLeavesTheHeldClientSocketInCloseWaitUntilTheClientCloses() throws Exception {
        assumeTrue(KernelTcpTable.isAvailable(), "needs /proc/self/net/tcp to read TCP states (Linux)");
        Connection app = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret");
        int appPort = clientPortOf("app");
        try (Connection reporting = DriverManager.getConnection(standIn.jdbcUrl("shop"), "reporting", "secret")) {
            assertEquals(1, standIn.killSessions("app"));

            assertEquals(List.of("reporting"), standIn.sessions().stream().map(TdsStandInSession::login).toList());
            Await.until(() -> KernelTcpTable.CLOSE_WAIT.equals(KernelTcpTable.stateOf(appPort, standIn.port())),
                    () -> "client socket :" + appPort + " in CLOSE_WAIT (08), state is "
                            + KernelTcpTable.stateOf(appPort, standIn.port()));
            assertTrue(reporting.isValid(2), "a kill of app's sessions leaves reporting's alone");
        } finally {
            app.close();
        }
        Await.until(() -> KernelTcpTable.closedHere(KernelTcpTable.stateOf(appPort, standIn.port())),
                () -> "client socket :" + appPort + " out of CLOSE_WAIT after Connection.close()");
    }

    @Test
    void killBySpidAndKillAllEndEverySession() throws Exception {
        try (Connection first = DriverManager.getConnection(standIn.jdbcUrl("shop"), "app", "secret");
                Connection second = DriverManager.getConnection(standIn.jdbcUrl("shop"), "reporting", "secret")) {
            int firstSpid = standIn.sessions().get(0).spid();

            assertTrue(standIn.kill(firstSpid));
            assertEquals(1, standIn.sessions().size());
            assertEquals(1, standIn.killAll());
            assertEquals(List.of(), standIn.sessions());
            // With connectRetryCount=1 and no idle time, the driver finds the dead socket on use.
            assertTrue(!first.isValid(2) && !second.isValid(2));
        }
    }

    private int clientPortOf(String login) {
        return standIn.sessions().stream()
                .filter(session -> session.login().equals(login))
                .findFirst()
                .orElseThrow()
                .client()
                .getPort();
    }
}
