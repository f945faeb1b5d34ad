package dev.closewait.agent.track;

/**
 * Failed JDBC connects of one URL and user, as they stood when a report was taken: an immutable
 * value, safe to render while connects go on.
 */
public final class JdbcFailure {

    private final String url;
    private final String user;
    private final long count;
    private final long reconnects;
    private final JdbcError lastError;
    private final long lastAt;

    public JdbcFailure(String url, String user, long count, long reconnects, JdbcError lastError, long lastAt) {
        this.url = url;
        this.user = user;
        this.count = count;
        this.reconnects = reconnects;
        this.lastError = lastError;
        this.lastAt = lastAt;
    }

    /** The URL, secrets masked. */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public long count() {
        return count;
    }

    /**
     * How many of {@link #count} were a driver's own reconnect of a connection it had already
     * opened (mssql-jdbc's idle-connection resiliency), not a new connect by the application or its pool.
     */
    public long reconnects() {
        return reconnects;
    }

    public JdbcError lastError() {
        return lastError;
    }

    /** Epoch millis of the last failure. */
    public long lastAt() {
        return lastAt;
    }
}
