package dev.closewait.agent.detect;

import dev.closewait.agent.track.Origin;

/**
 * The likely cause of a finding, and the setting or code to change, from what the finding shows:
 * a driver that abandoned its socket, a pool that holds a connection the server closed, a
 * borrow never returned, a response never closed, a Netty channel kept open after the peer's
 * close, a server that never closed an accepted socket. {@code null} when nothing says.
 */
final class Diagnoses {

    private static final String MSSQL = "com.microsoft.sqlserver.";

    private Diagnoses() {
    }

    /** The diagnosis of {@code finding} (built without one), or {@code null}. */
    static Finding.Diagnosis of(Finding finding, String holdLibrary) {
        Finding.HeldBy held = finding.heldBy();
        if (held != null) {
            return idleInPool(held);
        }
        Finding.Jdbc jdbc = finding.jdbc();
        if (jdbc != null && jdbc.connectionClosedAt() != Finding.NEVER && finding.status() == LeakStatus.OPEN) {
            return abandonedByDriver(jdbc);
        }
        if (finding.borrowedBy() != null) {
            return new Finding.Diagnosis("borrowed from " + holdLibrary + " and never returned, while the server"
                    + " closed the connection", "close the Connection where it is borrowed (try-with-resources);"
                    + " HikariCP's leakDetectionThreshold logs borrows held too long");
        }
        if (holdLibrary != null) {
            return new Finding.Diagnosis("a response was never closed, so " + holdLibrary + " never got its connection"
                    + " back after the server closed it", "close the response (try-with-resources on "
                    + ("OkHttp".equals(holdLibrary) ? "Response or its body" : "CloseableHttpResponse") + ")");
        }
        if (isNetty(finding)) {
            return new Finding.Diagnosis("the peer closed its side and the Netty channel was kept open (half-closure"
                    + " allowed, or nothing reads it)", "close the channel on ChannelInputShutdownEvent, or leave"
                    + " ChannelOption.ALLOW_HALF_CLOSURE off");
        }
        if (finding.origin() == Origin.ACCEPT) {
            return new Finding.Diagnosis("the client closed its side and this server never closed the accepted socket",
                    "close the accepted socket when a read returns end of stream (-1)");
        }
        if (finding.origin() == Origin.UNTRACKED) {
            return new Finding.Diagnosis("a socket of this process that closewait did not see opened (native code, or a"
                    + " descriptor inherited from a parent process)", "find who connects to " + finding.remote()
                    + "; 'ls -l /proc/<pid>/fd' and 'ss -tanpe' show its descriptor and inode");
        }
        return null;
    }

    private static Finding.Diagnosis idleInPool(Finding.HeldBy held) {
        String pool = held.library() + (held.name() == null ? "" : " pool " + held.name());
        String advice;
        switch (held.library()) {
            case "HikariCP":
                advice = "set keepaliveTime (at least 30s) below the server's idle timeout, so HikariCP checks and"
                        + " replaces idle connections; maxLifetime below it retires them in time";
                break;
            case "HttpClient 5":
                advice = "evictIdleConnections(TimeValue) on the client builder, or a shorter"
                        + " ConnectionConfig.setTimeToLive, below the server's keep-alive timeout";
                break;
            case "OkHttp":
                advice = "a ConnectionPool whose keepAliveDuration is below the server's keep-alive timeout";
                break;
            default:
                advice = "-Dhttp.keepAlive.time.server=<seconds> below the server's keep-alive timeout (the JDK keeps"
                        + " idle connections 5 s unless the server's Keep-Alive header says otherwise)";
                break;
        }
        return new Finding.Diagnosis("idle in " + pool + " after the server closed it; the pool, not the application,"
                + " holds it", advice);
    }

    private static Finding.Diagnosis abandonedByDriver(Finding.Jdbc jdbc) {
        if (jdbc.driver() != null && jdbc.driver().startsWith(MSSQL) && jdbc.connectError() != null) {
            return new Finding.Diagnosis("mssql-jdbc reconnected a broken idle connection on a new socket and never"
                    + " closed the old one; the reconnect failed with " + jdbc.connectError().errorCode(),
                    "add connectRetryCount=0 to the JDBC URL: the driver then closes the dead socket and the pool"
                    + " replaces the connection");
        }
        return new Finding.Diagnosis("the JDBC connection was closed but its driver left the socket open",
                "report it to the driver's maintainers; a newer driver may close its socket");
    }

    private static boolean isNetty(Finding finding) {
        for (String frame : finding.stack()) {
            if (frame.contains("io.netty.")) {
                return true;
            }
        }
        return false;
    }
}
