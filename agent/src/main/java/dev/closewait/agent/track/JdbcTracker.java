package dev.closewait.agent.track;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Properties;

/**
 * Ties sockets to the JDBC connections they were opened for. A connect scope runs from the entry
 * to the exit of {@code Driver.connect} (or of a driver's own reconnect of a known connection) on
 * one thread; sockets that thread opens meanwhile belong to the scope's connection. Nested scopes
 * (a wrapping driver, the driver's internal connect) share the outermost scope's connection.
 *
 * <p>Only objects returned by those connects are known as connections, so a pool's proxies
 * (which implement {@code Connection} too) are never mistaken for the physical connection.
 */
final class JdbcTracker {

    private final Clock clock;
    private final ThreadLocal<Scope> current = new ThreadLocal<>();
    private final WeakIdentityMap<JdbcConnection> byConnection = new WeakIdentityMap<>();
    private final JdbcConnectFailures failures = new JdbcConnectFailures();
    /** Connections that ended while sockets opened for them were still open: candidates for abandonment. */
    private final java.util.Set<JdbcConnection> endedWithOpenSockets = ConcurrentHashMap.newKeySet();

    private static final class Scope {
        final Scope outer;
        final JdbcConnection connection;
        final boolean reconnect;

        Scope(Scope outer, JdbcConnection connection, boolean reconnect) {
            this.outer = outer;
            this.connection = connection;
            this.reconnect = reconnect;
        }
    }

    JdbcTracker(Clock clock) {
        this.clock = clock;
    }

    /** A connect begins on this thread; see {@code ConnectionEvents.jdbcConnectStarted}. */
    public void connectStarted(Object driver, String url, Object info, Object connection) {
        Scope outer = current.get();
        if (outer != null) {
            current.set(new Scope(outer, outer.connection, outer.reconnect));
            return;
        }
        JdbcConnection known = connection == null ? null : byConnection.get(connection);
        if (known != null) {
            current.set(new Scope(null, known, true));
            return;
        }
        Properties properties = info instanceof Properties ? (Properties) info : null;
        Object named = driver != null ? driver : connection;
        String driverName = named instanceof Class ? ((Class<?>) named).getName() : named == null ? null : named.getClass().getName();
        if (info != null && properties == null) {
            // A driver's own configuration object (MariaDB's DataSource): its URL, user and password.
            DriverConfiguration configuration = DriverConfiguration.of(info);
            List<String> secrets = new ArrayList<>(JdbcSecrets.secretValues(configuration.url, null));
            if (configuration.password != null && !configuration.password.isEmpty()) {
                secrets.add(configuration.password);
            }
            String user = configuration.user != null ? configuration.user : JdbcSecrets.user(configuration.url, null);
            current.set(new Scope(null, new JdbcConnection(JdbcSecrets.maskUrl(configuration.url), user, driverName,
                    secrets), false));
            return;
        }
        current.set(new Scope(null, new JdbcConnection(JdbcSecrets.maskUrl(url), JdbcSecrets.user(url, properties),
                driverName, JdbcSecrets.secretValues(url, properties)), false));
    }

    /** The innermost connect of this thread ended. */
    public void connectEnded(Object result, Throwable thrown) {
        Scope scope = current.get();
        if (scope == null) {
            return;
        }
        if (scope.outer == null) {
            current.remove();
        } else {
            current.set(scope.outer);
        }
        if (result != null) {
            byConnection.put(result, scope.connection);
        }
        if (thrown != null && scope.outer == null) {
            long now = clock.millis();
            JdbcError error = JdbcError.of(thrown, scope.connection.secrets());
            scope.connection.markFailed(now, error, !scope.reconnect);
            failures.record(scope.connection, error, now, scope.reconnect);
            if (!scope.reconnect && scope.connection.hasOpenSockets()) {
                endedWithOpenSockets.add(scope.connection);
            }
        }
    }

    /** {@code Connection.close()} ran on {@code connection}. */
    public void closed(Object connection) {
        JdbcConnection known = byConnection.get(connection);
        if (known != null) {
            known.markClosed(clock.millis());
            if (known.hasOpenSockets()) {
                endedWithOpenSockets.add(known);
            }
        }
    }

    /** What the agent knows of the physical connection {@code connection} (a driver returned it), or {@code null}. */
    JdbcConnection known(Object connection) {
        return connection == null ? null : byConnection.get(connection);
    }

    /** The connection a socket opened on this thread now belongs to, or {@code null}. */
    public JdbcConnection connectingNow() {
        Scope scope = current.get();
        return scope == null ? null : scope.connection;
    }

    /**
     * Whether some JDBC connection ended while a socket opened for it is still open; forgets those
     * whose sockets have all gone since. Cheap when every driver closes its sockets.
     */
    public boolean mayHaveAbandonedSockets() {
        endedWithOpenSockets.removeIf(connection -> !connection.hasOpenSockets());
        return !endedWithOpenSockets.isEmpty();
    }

    /** Failed connects, per URL and user. */
    JdbcConnectFailures failures() {
        return failures;
    }
}
