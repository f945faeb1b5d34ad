package dev.closewait.agent.track;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A concurrent map keyed by the identity of objects it holds only weakly: entries of collected
 * keys are dropped on the next {@link #put}. For application objects the agent must never keep
 * alive (JDBC connections).
 */
final class WeakIdentityMap<V> {

    private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    V get(Object key) {
        return map.get(new Probe(key));
    }

    void put(Object key, V value) {
        for (Object gone; (gone = collected.poll()) != null; ) {
            map.remove(gone);
        }
        map.put(new Key(key, collected), value);
    }

    /** Removes the entry of {@code key}; returns its value, or {@code null}. */
    V remove(Object key) {
        return map.remove(new Probe(key));
    }

    int size() {
        return map.size();
    }

    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object referent, ReferenceQueue<Object> queue) {
            super(referent, queue);
            hash = System.identityHashCode(referent);
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            Object referent = get();
            return referent != null && other instanceof Key && ((Key) other).get() == referent;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A lookup key that holds its object strongly for the length of one call. */
    private static final class Probe {
        private final Object key;

        Probe(Object key) {
            this.key = key;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key && ((Key) other).get() == key;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(key);
        }
    }
}
