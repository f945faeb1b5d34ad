package dev.closewait.demo.run;

/**
 * The database the demo's orders service logs into, with the two moves of the DBA in the story:
 * rotate the service login's password, and end that login's sessions. Either real SQL Server
 * ({@link SqlServerContainerDatabase}) or the TDS stand-in ({@link TdsStandInDatabase}).
 */
public interface DemoDatabase extends AutoCloseable {

    /** The login the orders service uses. */
    String LOGIN = "app";
    /** The database it logs into. */
    String DATABASE = "shop";

    /** One line for the reader: what this database is, and where it runs. */
    String description();

    /** The JDBC URL for the orders service, without credentials. */
    String jdbcUrl();

    /** The password {@link #LOGIN} logs in with until {@link #rotatePassword}. */
    String password();

    /** As {@code ALTER LOGIN app WITH PASSWORD = ...}: live sessions keep running. */
    void rotatePassword(String newPassword) throws Exception;

    /**
     * As {@code KILL} of every session of {@link #LOGIN}: the server closes their sockets.
     *
     * @return how many sessions were ended
     */
    int killSessions() throws Exception;

    /** Stops the database and everything it started. */
    @Override
    void close();
}
