/**
 * A TDS stand-in: an embedded server that speaks enough of Microsoft's TDS protocol for the real
 * mssql-jdbc driver to log in, fail a login with 18456, run {@code SELECT 1} and lose its session to a
 * KILL, so the demo and the tests reproduce the failed-login CLOSE_WAIT leak without SQL Server.
 * Start at {@link dev.closewait.demo.tds.TdsStandIn}.
 */
package dev.closewait.demo.tds;
