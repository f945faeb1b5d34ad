package dev.closewait.agent.track;

import dev.closewait.agent.boot.ConnectionEvents;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What known pools and caches of connections do with the connections they hold: HikariCP (JDBC),
 * Apache HttpClient 5's and OkHttp's pools, the JDK's HttpURLConnection keep-alive cache. The
 * advice only passes the library's own object; what leads from it to the socket, or to the
 * pool's name, is read here, by reflection, once per class. A connection's {@link PoolHold} then
 * says whether it sits idle in the pool, or who borrowed it. Nothing here may fail the library:
 * a field not found makes the event count for nothing.
 */
final class Pools {

    private final Clock clock;
    private final SocketRegistry registry;
    private final JdbcTracker jdbc;
    private final Consumer<Field> opener;
    /** Fields found, per declaring class and name; a missing one maps to {@link #NONE}. */
    /**
     * Fields found, per class and name: kept by the class itself, so a web application's pool classes
     * do not keep its class loader reachable, and two of them that share a class name each get their own.
     */
    private final ClassValue<Map<String, Field>> fields = new FieldsOfClass();

    /** A class's fields by name; no reference to its {@code Pools} (the class keeps it). */
    private static final class FieldsOfClass extends ClassValue<Map<String, Field>> {
        @Override
        protected Map<String, Field> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    }
    private static final Field NONE;

    static {
        try {
            NONE = Pools.class.getDeclaredField("NONE");
        } catch (NoSuchFieldException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    /** @param opener makes a field of a JDK class accessible to the agent alone (the JDK's cache) */
    Pools(Clock clock, SocketRegistry registry, JdbcTracker jdbc, Consumer<Field> opener) {
        this.clock = clock;
        this.registry = registry;
        this.jdbc = jdbc;
        this.opener = opener;
    }

    void event(int library, int event, Object resource, Object detail) {
        if (resource == null) {
            return;
        }
        switch (library) {
            case ConnectionEvents.POOL_HIKARI:
                hikari(event, resource, detail);
                break;
            case ConnectionEvents.POOL_HTTPCLIENT5:
                socket(event, "HttpClient 5", httpClient5Socket(resource), !Boolean.FALSE.equals(detail));
                break;
            case ConnectionEvents.POOL_OKHTTP:
                socket(event, "OkHttp", field(resource, "rawSocket"), idleInOkHttp(resource));
                break;
            case ConnectionEvents.POOL_JDK_KEEP_ALIVE:
                socket(event, "JDK keep-alive cache", field(resource, "serverSocket"), true);
                break;
            default:
                break;
        }
    }

    /** HikariCP: the hold lives on the JDBC connection, named after the pool; a borrow keeps its stack. */
    private void hikari(int event, Object connection, Object pool) {
        JdbcConnection known = jdbc.known(connection);
        if (known == null) {
            return;
        }
        PoolHold before = known.hold();
        String name = event == ConnectionEvents.POOL_ADDED ? string(field(pool, "poolName"))
                : before == null ? null : before.name();
        long now = clock.millis();
        known.hold(event == ConnectionEvents.POOL_BORROWED ? PoolHold.borrowed("HikariCP", name, now, new Throwable())
                : PoolHold.idle("HikariCP", name, now));
    }

    /** HTTP pools: the hold lives on the tracked socket. No stack at a borrow: HTTP clients borrow per request. */
    private void socket(int event, String library, Object socket, boolean idleNow) {
        TrackedSocket tracked = registry.tracked(socket);
        if (tracked == null) {
            return;
        }
        long now = clock.millis();
        if (event == ConnectionEvents.POOL_BORROWED) {
            tracked.hold(PoolHold.borrowed(library, null, now, null));
        } else if (event == ConnectionEvents.POOL_RETURNED || event == ConnectionEvents.POOL_ADDED) {
            tracked.hold(idleNow ? PoolHold.idle(library, null, now) : null);
        }
    }

    /**
     * HttpClient 5's pool entry (or the endpoint that holds one in {@code poolEntryRef}):
     * {@code getConnection()} (a managed connection), then its {@code getSocket()}.
     */
    private Object httpClient5Socket(Object entryOrEndpoint) {
        Object held = field(entryOrEndpoint, "poolEntryRef");
        Object entry = held instanceof java.util.concurrent.atomic.AtomicReference
                ? ((java.util.concurrent.atomic.AtomicReference<?>) held).get() : entryOrEndpoint;
        Object connection = entry == null ? null : call(entry, "getConnection");
        return connection == null ? null : call(connection, "getSocket");
    }

    /** An OkHttp connection is idle when no call uses it: its {@code calls} list is empty. */
    private boolean idleInOkHttp(Object connection) {
        Object calls = field(connection, "calls");
        return calls instanceof Collection && ((Collection<?>) calls).isEmpty();
    }

    private static Object call(Object target, String method) {
        try {
            Method getter = target.getClass().getMethod(method);
            getter.setAccessible(true);
            return getter.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unreadable) {
            return null;
        }
    }

    /** The value of {@code name} declared by {@code target}'s class or a super class; {@code null} if none. */
    private Object field(Object target, String name) {
        if (target == null) {
            return null;
        }
        Field field = fields.get(target.getClass()).computeIfAbsent(name, key -> find(target.getClass(), name));
        if (field == NONE) {
            return null;
        }
        try {
            return field.get(target);
        } catch (IllegalAccessException | RuntimeException unreadable) {
            return null;
        }
    }

    private Field find(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                if (c.getClassLoader() == null || c.getClassLoader() == ClassLoader.getPlatformClassLoader()) {
                    opener.accept(field);
                } else {
                    field.setAccessible(true);
                }
                return field;
            } catch (NoSuchFieldException notHere) {
                // its super class may declare it
            } catch (RuntimeException | LinkageError inaccessible) {
                return NONE;
            }
        }
        return NONE;
    }

    private static String string(Object value) {
        return value instanceof String ? (String) value : null;
    }
}
