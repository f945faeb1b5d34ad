package dev.closewait.agent.track;

import java.util.List;

/**
 * One JDBC connection as the agent knows it: what {@code Driver.connect} was asked for (URL and
 * user, secrets masked, the driver), and what happened to it since. Shared by every socket opened
 * for it, including sockets a driver opens later to reconnect.
 */
public final class JdbcConnection {

    private final String url;
    private final String user;
    private final String driver;
    private final List<String> secrets;
    private long closedAt;
    private long failedAt;
    private JdbcError connectError;
    private int changes;
    private final java.util.concurrent.atomic.AtomicInteger openSockets = new java.util.concurrent.atomic.AtomicInteger();
    /** What a connection pool says of this connection (HikariCP); {@code null} if none holds it. */
    private volatile PoolHold hold;

    public JdbcConnection(String url, String user, String driver, List<String> secrets) {
        this.url = LongText.capped(url);
        this.user = LongText.capped(user);
        this.driver = LongText.capped(driver);
        this.secrets = List.copyOf(secrets);
    }

    /** The URL, secrets masked; {@code null} when the driver was not reached through a URL. */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    /** Class name of the driver. */
    public String driver() {
        return driver;
    }

    /** Secret values to mask in messages about this connection. */
    List<String> secrets() {
        return secrets;
    }

    /** When the application closed the connection; 0 if it has not. */
    public synchronized long closedAt() {
        return closedAt;
    }

    /** When the connect that created it failed; 0 if it did not. */
    public synchronized long failedAt() {
        return failedAt;
    }

    /** When its sockets should have been closed by: closed by the application, or failed to connect; 0 if neither. */
    public synchronized long endedAt() {
        return closedAt != 0 ? closedAt : failedAt;
    }

    /** The error of the last failed connect or reconnect; {@code null} if none failed. */
    public synchronized JdbcError connectError() {
        return connectError;
    }

    /** What a connection pool says of this connection, or {@code null}. */
    public PoolHold hold() {
        return hold;
    }

    void hold(PoolHold hold) {
        this.hold = hold;
    }

    /** Grows whenever something above changes, so reports know to be rewritten. */
    public synchronized int changes() {
        return changes;
    }

    void socketOpened() {
        openSockets.incrementAndGet();
    }

    void socketGone() {
        openSockets.decrementAndGet();
    }

    /** Whether sockets opened for it are still open (closed neither by the driver nor by a collection). */
    public boolean hasOpenSockets() {
        return openSockets.get() > 0;
    }

    synchronized void markClosed(long now) {
        if (closedAt == 0) {
            closedAt = now;
            changes++;
        }
    }

    synchronized void markFailed(long now, JdbcError error, boolean initialConnect) {
        if (initialConnect && failedAt == 0) {
            failedAt = now;
        }
        connectError = error;
        changes++;
    }
}
