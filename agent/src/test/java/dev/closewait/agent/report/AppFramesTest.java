package dev.closewait.agent.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppFramesTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "java.base/java.net.Socket.connect(Socket.java:633)",
            "java.net.Socket.connect(Socket.java:583)",
            "java.sql/java.sql.DriverManager.getConnection(DriverManager.java:681)",
            "javax.net.ssl.SSLSocket.startHandshake(SSLSocket.java:10)",
            "jdk.internal.reflect.GeneratedMethodAccessor1.invoke(Unknown Source)",
            "java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
            "sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
            "java.base/sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:800)",
            "com.sun.net.httpserver.HttpServer.create(HttpServer.java:1)",
            "java.base@17.0.15/java.lang.Thread.run(Thread.java:840)",
            "com.zaxxer.hikari.util.DriverDataSource.getConnection(DriverDataSource.java:144)",
            "com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:718)",
            "org.apache.commons.dbcp2.DriverConnectionFactory.createConnection(DriverConnectionFactory.java:52)",
            "org.apache.tomcat.jdbc.pool.PooledConnection.connectUsingDriver(PooledConnection.java:346)",
            "com.mchange.v2.c3p0.DriverManagerDataSource.getConnection(DriverManagerDataSource.java:175)",
            "io.agroal.pool.ConnectionFactory.createConnection(ConnectionFactory.java:232)",
    })
    void treatsJdkAndConnectionPoolFramesAsNotTheApplications(String frame) {
        assertFalse(AppFrames.isApplicationFrame(frame), frame);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "com.example.OrderDao.load(OrderDao.java:42)",
            "app//com.example.OrderDao.load(OrderDao.java:42)",
            "com.microsoft.sqlserver.jdbc.SQLServerConnection.connect(SQLServerConnection.java:1)",
            "org.postgresql.core.PGStream.<init>(PGStream.java:98)",
            "my.module@1.0/com.example.Main.main(Main.java:7)",
            "javaxx.Foo.bar(Foo.java:1)",
            "sunrise.Clock.tick(Clock.java:1)",
            "com.sunny.Day.start(Day.java:1)",
            "Main.main(Main.java:3)",
    })
    void treatsOtherFramesAsApplicationFrames(String frame) {
        assertTrue(AppFrames.isApplicationFrame(frame), frame);
    }

    @Test
    void firstApplicationFrameSkipsLeadingJdkFrames() {
        List<String> stack = List.of(
                "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "org.postgresql.core.PGStream.createSocket(PGStream.java:243)",
                "com.example.OrderDao.load(OrderDao.java:42)");

        assertEquals("org.postgresql.core.PGStream.createSocket(PGStream.java:243)",
                AppFrames.firstApplicationFrame(stack));
    }

    @Test
    void firstApplicationFrameSkipsThePoolToTheCodeThatAskedIt() {
        List<String> stack = List.of(
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "com.microsoft.sqlserver.jdbc.SQLServerDriver.connect(SQLServerDriver.java:1476)",
                "com.zaxxer.hikari.util.DriverDataSource.getConnection(DriverDataSource.java:144)",
                "com.zaxxer.hikari.HikariDataSource.<init>(HikariDataSource.java:80)",
                "dev.closewait.demo.OrdersApp.main(OrdersApp.java:70)");

        assertEquals("dev.closewait.demo.OrdersApp.main(OrdersApp.java:70)",
                AppFrames.firstApplicationFrame(stack, "com.microsoft.sqlserver.jdbc"));
    }

    @Test
    void onAPoolsOwnThreadThePoolsFrameSaysWhoOpenedIt() {
        List<String> stack = List.of(
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "com.microsoft.sqlserver.jdbc.SQLServerDriver.connect(SQLServerDriver.java:1476)",
                "com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:718)",
                "java.base/java.lang.Thread.run(Thread.java:840)");

        assertEquals("com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:718)",
                AppFrames.firstApplicationFrame(stack, "com.microsoft.sqlserver.jdbc"));
        assertEquals("com.microsoft.sqlserver.jdbc.SQLServerDriver.connect(SQLServerDriver.java:1476)",
                AppFrames.firstApplicationFrame(List.of(stack.get(0), stack.get(1), stack.get(3)),
                        "com.microsoft.sqlserver.jdbc"), "no pool: the driver's frame");
    }

    @Test
    void firstApplicationFrameFallsBackToTheFirstFrameOrNull() {
        List<String> jdkOnly = List.of(
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "java.base/java.lang.Thread.run(Thread.java:840)");

        assertEquals("java.base/java.net.Socket.connect(Socket.java:633)", AppFrames.firstApplicationFrame(jdkOnly));
        assertNull(AppFrames.firstApplicationFrame(List.of()));
    }
}
