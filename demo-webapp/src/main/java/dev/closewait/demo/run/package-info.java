/**
 * The demo runner behind {@code ./mvnw -q -Pdemo verify}: it starts a database (SQL Server through
 * Testcontainers, or the TDS stand-in), runs the orders service in its own JVM under the closewait agent,
 * plays the DBA's password rotation, and shows what the kernel and closewait see. Start at
 * {@link dev.closewait.demo.run.DemoRunner}; the scenario is {@link dev.closewait.demo.run.OrdersDemo}.
 */
package dev.closewait.demo.run;
