package dev.closewait.agent.track;

import java.util.List;

/** Builds {@link JdbcConnectFailures.Entry} values for report tests in other packages. */
public final class JdbcConnectFailuresTestAccess {

    private JdbcConnectFailuresTestAccess() {
    }

    /** An entry of {@code count} failures, the first a driver's reconnect, the last with {@code error} at {@code at}. */
    public static JdbcConnectFailures.Entry entry(String url, String user, int count, JdbcError error, long at) {
        JdbcConnectFailures failures = new JdbcConnectFailures();
        JdbcConnection connection = new JdbcConnection(url, user, "test.Driver", List.of());
        for (int i = 0; i < count; i++) {
            failures.record(connection, error, at, i == 0); // the first one a driver's reconnect
        }
        return failures.snapshot().get(0);
    }
}
