package dev.closewait.agent.track;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connect-scope rules, driven the way the advice drives them. */
class JdbcTrackerTest {

    private static final long NOW = 1_700_000_000_000L;
    private final JdbcTracker tracker = new JdbcTracker(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    private final Object driver = new Object();

    @Test
    void socketsOpenedDuringConnectBelongToItAndNotAfterwards() {
        tracker.connectStarted(driver, "jdbc:x://db?password=pw", props("app", "pw"), null);
        JdbcConnection during = tracker.connectingNow();
        assertNotNull(during);
        assertEquals("jdbc:x://db?password=****", during.url());
        assertEquals("app", during.user());
        assertEquals(Object.class.getName(), during.driver());
        tracker.connectEnded(new Object(), null);
        assertNull(tracker.connectingNow());
    }

    @Test
    void nestedConnectsShareTheOutermostConnectionAndEveryReturnedObjectClosesIt() {
        Object physical = new Object();
        Object wrapper = new Object();
        tracker.connectStarted(driver, "jdbc:wrapper:x://db", null, null);
        JdbcConnection outer = tracker.connectingNow();
        tracker.connectStarted(driver, "jdbc:x://db", null, null);
        assertSame(outer, tracker.connectingNow());
        tracker.connectEnded(physical, null);
        assertSame(outer, tracker.connectingNow(), "back in the outer scope");
        tracker.connectEnded(wrapper, null);
        assertNull(tracker.connectingNow());

        tracker.closed(new Object()); // a pool's proxy: not returned by a driver, ignored
        assertEquals(0, outer.closedAt());
        tracker.closed(physical);
        assertEquals(NOW, outer.closedAt());
    }

    @Test
    void failedConnectIsCountedOnceWithTheMostTellingErrorAndSecretsMasked() {
        tracker.connectStarted(driver, "jdbc:sqlserver://db;password=Sup3rSecret", null, null);
        tracker.connectStarted(driver, "jdbc:sqlserver://db;password=Sup3rSecret", null, null);
        SQLException login = new SQLException("Login failed for user 'app'. (password Sup3rSecret)", "S0001", 18456);
        SQLException hidden = new SQLException("The connection is broken and recovery is not possible.", null, 0, login);
        tracker.connectEnded(null, hidden);
        tracker.connectEnded(null, hidden);

        List<JdbcFailure> failures = tracker.failures().snapshot();
        assertEquals(1, failures.size());
        JdbcFailure entry = failures.get(0);
        assertEquals(1, entry.count(), "a nested rethrow is not a second failure");
        assertEquals(0, entry.reconnects(), "a connect of the application's");
        assertEquals(18456, entry.lastError().errorCode());
        assertEquals("S0001", entry.lastError().sqlState());
        assertEquals("Login failed for user 'app'. (password ****)", entry.lastError().message());
        assertEquals("jdbc:sqlserver://db;password=****", entry.url());
    }

    @Test
    void driverReconnectOfAKnownConnectionIsAttributedToItWithoutEndingIt() {
        Object physical = new Object();
        tracker.connectStarted(driver, "jdbc:sqlserver://db;user=app", null, null);
        JdbcConnection connection = tracker.connectingNow();
        tracker.connectEnded(physical, null);

        java.util.concurrent.atomic.AtomicReference<JdbcConnection> duringReconnect = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reconnect = new Thread(() -> { // drivers reconnect on threads of their own
            tracker.connectStarted(null, null, null, physical);
            duringReconnect.set(tracker.connectingNow());
            tracker.connectEnded(null, new SQLException("Login failed for user 'app'.", "S0001", 18456));
        });
        reconnect.start();
        joinQuietly(reconnect);

        assertSame(connection, duringReconnect.get(), "the reconnect's sockets belong to the same connection");
        assertEquals(18456, connection.connectError().errorCode());
        assertEquals(0, connection.failedAt(), "a failed reconnect does not end the connection");
        assertEquals(0, connection.endedAt());
        assertEquals(1, tracker.failures().snapshot().get(0).count());
        assertEquals(1, tracker.failures().snapshot().get(0).reconnects(), "counted as the driver's reconnect");
    }

    @Test
    void connectionWithASocketStillOpenWhenClosedIsAnAbandonmentCandidate() {
        Object physical = new Object();
        tracker.connectStarted(driver, "jdbc:x://db", null, null);
        JdbcConnection connection = tracker.connectingNow();
        connection.socketOpened();
        tracker.connectEnded(physical, null);
        assertTrue(!tracker.mayHaveAbandonedSockets(), "open, not ended");
        tracker.closed(physical);
        assertTrue(tracker.mayHaveAbandonedSockets());
        connection.socketGone();
        assertTrue(!tracker.mayHaveAbandonedSockets(), "the socket went: nothing to look for");
    }

    private static Properties props(String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return p;
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stands for MariaDB's Configuration: what its DataSource hands the driver's static connect. */
    static final class Configuration {
        protected String initialUrl() {
            return "jdbc:mariadb://db:3306/shop?sslMode=verify-full&password=InUrl9x";
        }

        public String user() {
            return "orders";
        }

        public String password() {
            return "DsSecret-1f3";
        }
    }

    @Test
    void aDriversOwnConfigurationObjectGivesTheUrlUserAndSecretsOfTheConnect() {
        tracker.connectStarted(Configuration.class, null, new Configuration(), null);
        JdbcConnection connection = tracker.connectingNow();
        assertEquals("jdbc:mariadb://db:3306/shop?sslMode=verify-full&password=****", connection.url());
        assertEquals("orders", connection.user());
        assertEquals(Configuration.class.getName(), connection.driver(), "the class whose static connect ran");
        tracker.connectEnded(null, new SQLException("Access denied for user 'orders' (using password: DsSecret-1f3)",
                "28000", 1045));
        String message = tracker.failures().snapshot().get(0).lastError().message();
        assertEquals("Access denied for user 'orders' (using password: ****)", message);
        assertTrue(connection.secrets().contains("InUrl9x"), connection.secrets()::toString);
    }
}
