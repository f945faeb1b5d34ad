package dev.closewait.agent.track;

import java.sql.SQLException;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The error of a failed JDBC connect, as the report shows it: vendor code, SQLState and the first
 * line of the message, secrets masked. Taken from the most telling {@link SQLException} in the
 * chain: a driver that hides the login failure (SQL Server's 18456) behind "the connection is
 * broken" still keeps it as a cause.
 */
public final class JdbcError {

    private final int errorCode;
    private final String sqlState;
    private final String message;

    public JdbcError(int errorCode, String sqlState, String message) {
        this.errorCode = errorCode;
        this.sqlState = sqlState;
        this.message = LongText.capped(message);
    }

    /** The error of {@code thrown}; secrets in its message are masked. */
    public static JdbcError of(Throwable thrown, Collection<String> secrets) {
        SQLException first = null;
        SQLException telling = null;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = thrown; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof SQLException) {
                SQLException sql = (SQLException) t;
                if (first == null) {
                    first = sql;
                }
                if (telling == null && sql.getErrorCode() != 0) {
                    telling = sql;
                }
            }
        }
        SQLException chosen = telling != null ? telling : first;
        if (chosen == null) {
            return new JdbcError(0, null, JdbcSecrets.maskMessage(firstLine(thrown.toString()), secrets));
        }
        return new JdbcError(chosen.getErrorCode(), chosen.getSQLState(),
                JdbcSecrets.maskMessage(firstLine(chosen.getMessage()), secrets));
    }

    public int errorCode() {
        return errorCode;
    }

    /** The SQLState, or {@code null}. */
    public String sqlState() {
        return sqlState;
    }

    /** The first line of the message, secrets masked; may be {@code null}. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return errorCode + (sqlState == null ? "" : " (" + sqlState + ")") + ": " + message;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return null;
        }
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).trim();
    }
}
