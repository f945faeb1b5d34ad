package dev.closewait.demo.run;

import dev.closewait.demo.tds.TdsStandIn;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * The embedded TDS stand-in as the demo's database, running in the runner's JVM (not under the
 * agent): a small server that speaks enough of SQL Server's protocol for the real mssql-jdbc driver.
 * It is not SQL Server.
 */
public final class TdsStandInDatabase implements DemoDatabase {

    private final TdsStandIn standIn;
    private final String password;

    private TdsStandInDatabase(TdsStandIn standIn, String password) {
        this.standIn = standIn;
        this.password = password;
    }

    /** Starts a stand-in on a free port of 127.0.0.1 where {@link #LOGIN} logs in with {@code password}; it logs to {@code log}. */
    public static TdsStandInDatabase start(String password, Consumer<String> log) throws IOException {
        return new TdsStandInDatabase(new TdsStandIn(log).setPassword(LOGIN, password).start(), password);
    }

    @Override
    public String description() {
        return "the embedded TDS stand-in plays SQL Server on 127.0.0.1:" + standIn.port()
                + " (it is not SQL Server: a small server in this repository that speaks enough TDS for mssql-jdbc)";
    }

    @Override
    public String jdbcUrl() {
        return standIn.jdbcUrl(DATABASE);
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public void rotatePassword(String newPassword) {
        standIn.rotatePassword(LOGIN, newPassword);
    }

    @Override
    public int killSessions() {
        return standIn.killSessions(LOGIN);
    }

    @Override
    public void close() {
        standIn.close();
    }
}
