package dev.closewait.agent.output;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A finding, as a JFR event: fleets that already collect JFR recordings see leaks without new
 * plumbing ({@code jfr print --events dev.closewait.ConnectionLeak rec.jfr}). Recorded when a
 * socket becomes a finding and when its status changes. The event's own stack would be the
 * agent's scanner, so the creation stack is a field instead.
 */
@Name(ConnectionLeakEvent.NAME)
@Label("Connection Leak")
@Category({"closewait"})
@Description("A socket left in CLOSE_WAIT (or abandoned by its JDBC driver), with the code that opened it")
@StackTrace(false)
final class ConnectionLeakEvent extends Event {

    static final String NAME = "dev.closewait.ConnectionLeak";

    @Label("Leak Id")
    long leakId;

    @Label("Status")
    String status;

    @Label("TCP State")
    String state;

    @Label("Origin")
    String origin;

    @Label("Local Address")
    String local;

    @Label("Remote Address")
    String remote;

    @Label("Opening Thread")
    String thread;

    @Label("Opening Stack")
    @Description("Frames innermost first, one per line")
    String stack;

    @Label("JDBC URL")
    @Description("Secrets masked")
    String jdbcUrl;

    @Label("JDBC Connect Error")
    String jdbcConnectError;
}
