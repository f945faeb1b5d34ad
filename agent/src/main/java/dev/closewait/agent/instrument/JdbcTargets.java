package dev.closewait.agent.instrument;

import java.util.List;
import java.util.Properties;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where JDBC drivers connect and close ({@link JdbcAdvice}): {@code Driver.connect} of every driver
 * in any class loader, {@code Connection.close()}, and mssql-jdbc's own
 * {@code SQLServerConnection.connect(Properties, SQLServerPooledConnection)}, through which it also
 * reconnects an idle broken connection, and MariaDB's static {@code connect(Configuration)}, through
 * which its DataSource connects. Only classes that {@link JdbcTypeFilter} passes get here.
 */
final class JdbcTargets {

    static final String DRIVER = "java.sql.Driver";
    static final String CONNECTION = "java.sql.Connection";
    private static final String MSSQL_CONNECTION = "com.microsoft.sqlserver.jdbc.SQLServerConnection";
    /** MariaDB Connector/J 3: its DataSource connects through the static {@code connect(Configuration)}, not {@code Driver.connect}. */
    private static final String MARIADB_DRIVER = "org.mariadb.jdbc.NonRegisteringDriver";

    private JdbcTargets() {
    }

    static List<Target> all() {
        return List.of(
                new Target(not(isInterface()).and(hasSuperType(named(DRIVER))), named("connect")
                        .and(takesArguments(2)).and(takesArgument(0, String.class))
                        .and(takesArgument(1, Properties.class)).and(not(isAbstract())), JdbcAdvice.DriverConnect.class),
                new Target(not(isInterface()).and(hasSuperType(named(CONNECTION))),
                        named("close").and(takesNoArguments()).and(not(isAbstract())), JdbcAdvice.ConnectionClose.class),
                new Target(named(MSSQL_CONNECTION), named("connect").and(takesArguments(2))
                        .and(takesArgument(0, Properties.class)), JdbcAdvice.DriverOwnConnect.class),
                new Target(named(MARIADB_DRIVER), named("connect").and(isStatic()).and(takesArguments(1))
                        .and(not(takesArgument(0, String.class))), JdbcAdvice.StaticDriverConnect.class));
    }
}
