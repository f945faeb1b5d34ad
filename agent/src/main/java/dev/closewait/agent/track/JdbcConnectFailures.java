package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed JDBC connects, counted per URL and user, whether or not they left a socket open: the
 * failed logins behind a leak are what the reader of a report needs to see first.
 */
final class JdbcConnectFailures {

    /** Distinct URL and user pairs kept; more are counted in {@link #dropped()} only. */
    static final int MAX_ENTRIES = 1000;

    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private volatile long dropped;

    /** One URL and user: how often connects failed, and the last error. Guarded by itself. */
    private static final class Counter {
        private final String url;
        private final String user;
        private long count;
        private long reconnects;
        private JdbcError lastError;
        private long lastAt;

        Counter(String url, String user) {
            this.url = url;
            this.user = user;
        }

        synchronized void add(JdbcError error, long at, boolean reconnect) {
            count++;
            reconnects += reconnect ? 1 : 0;
            lastError = error;
            lastAt = at;
        }

        synchronized JdbcFailure snapshot() {
            return new JdbcFailure(url, user, count, reconnects, lastError, lastAt);
        }
    }

    void record(JdbcConnection connection, JdbcError error, long at, boolean reconnect) {
        List<String> key = Arrays.asList(connection.url(), connection.user());
        Counter counter = counters.get(key);
        if (counter == null) {
            if (counters.size() >= MAX_ENTRIES) {
                dropped++;
                return;
            }
            counter = counters.computeIfAbsent(key, k -> new Counter(connection.url(), connection.user()));
        }
        counter.add(error, at, reconnect);
    }

    /** Every URL and user's failures, most recent first. */
    List<JdbcFailure> snapshot() {
        if (counters.isEmpty()) {
            return List.of();
        }
        List<JdbcFailure> failures = new ArrayList<>();
        for (Counter counter : counters.values()) {
            failures.add(counter.snapshot());
        }
        failures.sort(Comparator.comparingLong(JdbcFailure::lastAt).reversed()
                .thenComparing(f -> Objects.toString(f.url(), "")));
        return failures;
    }

    /** Failures not kept because {@link #MAX_ENTRIES} distinct URL and user pairs were reached. */
    long dropped() {
        return dropped;
    }
}
