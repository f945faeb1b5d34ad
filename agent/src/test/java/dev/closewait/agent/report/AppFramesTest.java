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
            "com.microsoft.sqlserver.jdbc.SQLServerConnection.connect(SQLServerConnection.java:1)",
            "org.postgresql.core.PGStream.<init>(PGStream.java:98)",
            "org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator.connect(DefaultHttpClientConnectionOperator.java:219)",
            "okhttp3.internal.connection.ConnectPlan.connectSocket(ConnectPlan.kt:284)",
            "redis.clients.jedis.Connection.connect(Connection.java:201)",
            "io.netty.bootstrap.Bootstrap.connect(Bootstrap.java:148)",
            "io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap.connect(Bootstrap.java:148)",
            "org.junit.platform.engine.support.hierarchical.NodeTestTask.execute(NodeTestTask.java:1)",
            "org.apache.maven.surefire.booter.ForkedBooter.main(ForkedBooter.java:507)",
            "org.springframework.web.client.RestTemplate.execute(RestTemplate.java:1)",
    })
    void treatsJdkPoolAndKnownLibraryFramesAsNotTheApplications(String frame) {
        assertFalse(AppFrames.DEFAULT.isApplicationFrame(frame), frame);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "com.example.OrderDao.load(OrderDao.java:42)",
            "app//com.example.OrderDao.load(OrderDao.java:42)",
            "my.module@1.0/com.example.Main.main(Main.java:7)",
            "javaxx.Foo.bar(Foo.java:1)",
            "sunrise.Clock.tick(Clock.java:1)",
            "com.sunny.Day.start(Day.java:1)",
            "Main.main(Main.java:3)",
    })
    void treatsOtherFramesAsApplicationFrames(String frame) {
        assertTrue(AppFrames.DEFAULT.isApplicationFrame(frame), frame);
    }

    @Test
    void firstApplicationFrameSkipsLeadingJdkFrames() {
        List<String> stack = List.of(
                "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "org.postgresql.core.PGStream.createSocket(PGStream.java:243)",
                "com.example.OrderDao.load(OrderDao.java:42)");

        assertEquals("com.example.OrderDao.load(OrderDao.java:42)", AppFrames.DEFAULT.firstApplicationFrame(stack),
                "a JDBC driver's frame is not the application's, whether or not the finding names the driver");
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
                AppFrames.DEFAULT.firstApplicationFrame(stack, "com.microsoft.sqlserver.jdbc"));
    }

    @Test
    void onAPoolsOwnThreadThePoolsFrameSaysWhoOpenedIt() {
        List<String> stack = List.of(
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "com.microsoft.sqlserver.jdbc.SQLServerDriver.connect(SQLServerDriver.java:1476)",
                "com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:718)",
                "java.base/java.lang.Thread.run(Thread.java:840)");

        assertEquals("com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:718)",
                AppFrames.DEFAULT.firstApplicationFrame(stack, "com.microsoft.sqlserver.jdbc"));
        assertEquals("com.microsoft.sqlserver.jdbc.SQLServerDriver.connect(SQLServerDriver.java:1476)",
                AppFrames.DEFAULT.firstApplicationFrame(List.of(stack.get(0), stack.get(1), stack.get(3)),
                        "com.microsoft.sqlserver.jdbc"), "no pool: the driver's frame");
    }

    @Test
    void firstApplicationFrameFallsBackToTheFirstFrameOrNull() {
        List<String> jdkOnly = List.of(
                "java.base/java.net.Socket.connect(Socket.java:633)",
                "java.base/java.lang.Thread.run(Thread.java:840)");

        assertEquals("java.base/java.net.Socket.connect(Socket.java:633)", AppFrames.DEFAULT.firstApplicationFrame(jdkOnly));
        assertNull(AppFrames.DEFAULT.firstApplicationFrame(List.of()));
    }

    @Test
    void theAppOptionNamesTheApplicationsPackagesOutright() {
        AppFrames acme = AppFrames.of(List.of("com.acme.", "org.shop."));
        assertTrue(acme.isApplicationFrame("com.acme.billing.Invoice.send(Invoice.java:3)"));
        assertTrue(acme.isApplicationFrame("app//org.shop.Cart.pay(Cart.java:9)"));
        assertFalse(acme.isApplicationFrame("com.example.OrderDao.load(OrderDao.java:42)"), "not named: not the application's");
        assertFalse(acme.isApplicationFrame("java.base/java.net.Socket.connect(Socket.java:633)"));
    }

    @Test
    void theSummaryNamesTheRequestingCallWhenTheStackHasNoApplicationFrame() {
        List<String> eventLoop = List.of("java.base/sun.nio.ch.SocketChannelImpl.finishConnect(SocketChannelImpl.java:1)",
                "io.netty.channel.nio.NioIoHandler.run(NioIoHandler.java:1)");
        List<String> requested = List.of("io.netty.bootstrap.Bootstrap.connect(Bootstrap.java:148)",
                "com.example.Client.open(Client.java:12)");
        assertEquals("com.example.Client.open(Client.java:12)", AppFrames.DEFAULT.nameFrame(eventLoop, requested, null));
        assertEquals("io.netty.channel.nio.NioIoHandler.run(NioIoHandler.java:1)",
                AppFrames.DEFAULT.nameFrame(eventLoop, null, null));
    }

    @Test
    void whoClosedASocketIsReadFromTheFramesOfItsClose() {
        assertEquals("the connection pool (HikariCP)", AppFrames.DEFAULT.whoClosed(List.of(
                "java.base/java.net.Socket.close(Socket.java:1)",
                "org.postgresql.core.PGStream.close(PGStream.java:1)",
                "com.zaxxer.hikari.pool.PoolBase.quietlyCloseConnection(PoolBase.java:1)"), null),
                "a pool in the close's stack is who asked");
        assertEquals("the JDBC driver, called by the connection pool (HikariCP)", AppFrames.DEFAULT.whoClosed(
                List.of("java.base/java.net.Socket.close(Socket.java:1)", "org.postgresql.core.PGStream.close(PGStream.java:1)",
                        "com.zaxxer.hikari.pool.PoolBase.quietlyCloseConnection(PoolBase.java:1)"), "org.postgresql"));
        assertEquals("the JDBC driver", AppFrames.DEFAULT.whoClosed(List.of(
                "java.base/java.net.Socket.close(Socket.java:1)",
                "org.mariadb.jdbc.Connection.isValid(Connection.java:1)"), "org.mariadb.jdbc"));
        assertEquals("the JDK's keep-alive cache", AppFrames.DEFAULT.whoClosed(List.of(
                "java.base/java.net.Socket.close(Socket.java:1)",
                "java.base/sun.net.www.http.KeepAliveCache.run(KeepAliveCache.java:1)"), null));
        assertEquals("the application at com.example.Dao.done(Dao.java:5)", AppFrames.DEFAULT.whoClosed(List.of(
                "java.base/java.net.Socket.close(Socket.java:1)", "com.example.Dao.done(Dao.java:5)"), null));
    }

    @Test
    void whoClosedANativeNettySocketIsTheChannelThatClosedItNotTheDescriptorItPassed() {
        // Every native close passes FileDescriptor.markClosed, where the agent hears of it.
        assertEquals("library code at io.netty.channel.epoll.AbstractEpollChannel.doClose(AbstractEpollChannel.java:1)",
                AppFrames.DEFAULT.whoClosed(List.of(
                        "io.netty.channel.unix.FileDescriptor.markClosed(FileDescriptor.java:75)",
                        "io.netty.channel.unix.FileDescriptor.close(FileDescriptor.java:1)",
                        "io.netty.channel.unix.Socket.close(Socket.java:1)",
                        "io.netty.channel.epoll.AbstractEpollChannel.doClose(AbstractEpollChannel.java:1)",
                        "io.netty.channel.AbstractChannel$AbstractUnsafe.doClose0(AbstractChannel.java:1)"), null));
        assertEquals("the application at com.example.Feed.stop(Feed.java:9)", AppFrames.DEFAULT.whoClosed(List.of(
                "io.netty.channel.unix.FileDescriptor.markClosed(FileDescriptor.java:75)",
                "io.netty.channel.epoll.AbstractEpollChannel.doClose(AbstractEpollChannel.java:1)",
                "com.example.Feed.stop(Feed.java:9)"), null));
    }
}
