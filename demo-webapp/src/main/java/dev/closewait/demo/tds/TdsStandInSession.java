package dev.closewait.demo.tds;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A logged-in session of the {@link TdsStandIn}, as {@link TdsStandIn#sessions()} lists it: what
 * {@code sys.dm_exec_sessions} would show on a real server, reduced to what the tests need.
 *
 * @param spid the session id the stand-in gave the connection (51 and up, as for user sessions)
 * @param login the login the session authenticated as
 * @param database the database it logged into
 * @param client the client's address; its port is the client socket's local port in the TCP table
 * @param loggedInAt when LOGIN7 succeeded
 */
public record TdsStandInSession(int spid, String login, String database, InetSocketAddress client,
        Instant loggedInAt) {
}
