package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.asm.Advice;

/** Advice inlined into JDBC drivers: connect scopes and connection close, forwarded to the bridge. */
final class JdbcAdvice {

    private JdbcAdvice() {
    }

    /** {@code Driver.connect(String, Properties)} of every driver. */
    static final class DriverConnect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object driver, @Advice.Argument(0) String url, @Advice.Argument(1) Object info) {
            EventBridge.jdbcConnectStarted(driver, url, info, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            EventBridge.jdbcConnectEnded(connection, thrown);
        }
    }

    /** A driver's own connect of a physical connection, also used to reconnect it (see {@link JdbcTargets}). */
    static final class DriverOwnConnect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection, @Advice.Argument(0) Object info) {
            EventBridge.jdbcConnectStarted(null, null, info, connection);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            EventBridge.jdbcConnectEnded(connection, thrown);
        }
    }

    /**
     * A driver's static connect of a configuration object its DataSource made (MariaDB's): the
     * configuration goes as the connect's {@code info}, the driver class as the driver.
     */
    static final class StaticDriverConnect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Origin Class<?> driver, @Advice.Argument(0) Object configuration) {
            EventBridge.jdbcConnectStarted(driver, null, configuration, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object connection, @Advice.Thrown Throwable thrown) {
            EventBridge.jdbcConnectEnded(connection, thrown);
        }
    }

    /** {@code Connection.close()} of every class implementing it. */
    static final class ConnectionClose {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object connection) {
            EventBridge.jdbcClosed(connection);
        }
    }
}
