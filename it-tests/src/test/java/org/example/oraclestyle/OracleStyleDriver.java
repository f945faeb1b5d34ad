package org.example.oraclestyle;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver for Oracle-style URLs, for the secrets test, standing in for Oracle's (not on the class path): it opens a
 * socket to the test's listener, as a driver does, and fails echoing the URL in its message,
 * as many drivers do. Outside {@code dev.closewait.}: the agent never weaves its own packages.
 */
public final class OracleStyleDriver implements Driver {
    private static volatile ServerSocket listener;

    /** Where {@link #connect} opens its socket. */
    public static void listenOn(ServerSocket server) {
        listener = server;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        try (Socket socket = new Socket(listener.getInetAddress(), listener.getLocalPort())) {
            throw new SQLException("ORA-01017: invalid username/password; logon denied for " + url, "72000", 1017);
        } catch (IOException unreachable) {
            throw new SQLException("cannot reach " + url, unreachable);
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith("jdbc:oracle:");
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
