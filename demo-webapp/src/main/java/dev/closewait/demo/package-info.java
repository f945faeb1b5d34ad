/**
 * The demo's orders service, {@link dev.closewait.demo.OrdersApp}: a small HTTP service over a
 * HikariCP pool of mssql-jdbc connections that swallows a failed SQL Server login (18456) while the
 * driver leaves sockets in CLOSE_WAIT. {@link dev.closewait.demo.run.DemoRunner} runs it under the
 * closewait agent; {@link dev.closewait.demo.tds} holds the TDS stand-in it runs against without Docker.
 */
package dev.closewait.demo;
