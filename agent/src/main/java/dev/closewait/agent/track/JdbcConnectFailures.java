package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed JDBC connects, counted per URL and user, whether or not they left a socket open: the
 * failed logins behind a leak are what the reader of a report needs to see first.
 */
public final class JdbcConnectFailures {

    /** Distinct URL and user pairs kept; more are counted in {@link #dropped()} only. */
    static final int MAX_ENTRIES = 1000;

    private final Map<List<String>, Entry> entries = new ConcurrentHashMap<>();
    private volatile long dropped;

    /** One URL and user: how often connects failed, and the last error. */
    public static final class Entry {
        private final String url;
        private final String user;
        private long count;
        private long reconnects;
        private JdbcError lastError;
        private long lastAt;

        Entry(String url, String user) {
            this.url = url;
            this.user = user;
        }

        public String url() {
            return url;
        }

        public String user() {
            return user;
        }

        public synchronized long count() {
            return count;
        }

        /**
         * How many of {@link #count} were a driver's own reconnect of a connection it had already
         * opened (mssql-jdbc's idle-connection resiliency), not a new connect by the application or its pool.
         */
        public synchronized long reconnects() {
            return reconnects;
        }

        public synchronized JdbcError lastError() {
            return lastError;
        }

        public synchronized long lastAt() {
            return lastAt;
        }

        synchronized void add(JdbcError error, long at, boolean reconnect) {
            count++;
            reconnects += reconnect ? 1 : 0;
            lastError = error;
            lastAt = at;
        }

        synchronized Entry copy() {
            Entry copy = new Entry(url, user);
            copy.count = count;
            copy.reconnects = reconnects;
            copy.lastError = lastError;
            copy.lastAt = lastAt;
            return copy;
        }
    }

    void record(JdbcConnection connection, JdbcError error, long at, boolean reconnect) {
        List<String> key = java.util.Arrays.asList(connection.url(), connection.user());
        Entry entry = entries.get(key);
        if (entry == null) {
            if (entries.size() >= MAX_ENTRIES) {
                dropped++;
                return;
            }
            entry = entries.computeIfAbsent(key, k -> new Entry(connection.url(), connection.user()));
        }
        entry.add(error, at, reconnect);
    }

    /** Every entry, most recent failure first; copies, safe to read while connects go on. */
    public List<Entry> snapshot() {
        List<Entry> copies = new ArrayList<>();
        for (Entry entry : entries.values()) {
            copies.add(entry.copy());
        }
        copies.sort(Comparator.comparingLong(Entry::lastAt).reversed()
                .thenComparing(e -> Objects.toString(e.url(), "")));
        return copies;
    }

    /** Failures not kept because {@link #MAX_ENTRIES} distinct URL and user pairs were reached. */
    public long dropped() {
        return dropped;
    }
}
