package dev.closewait.it.libraries;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closewait.it.scenarios.Scenario;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The application's own leaks through real libraries, each server closing its side first:
 * Netty clients that ignore the peer's FIN (half-closure allowed, {@code ChannelInputShutdownEvent}
 * ignored) on the epoll, io_uring and NIO transports, an OkHttp 5 and an
 * HttpClient 5 response never closed, a HikariCP connection borrowed and never returned (the session
 * ended by pg_terminate_backend), a Jedis client never closed (called through JUnit's reflection, as a
 * test would), and, when the JVM was started with a connected socket on descriptor 3 (inherited from
 * the parent), that socket. After the step {@code leaked} the application closes the Jedis client
 * and the NIO channel: late. (Closing the OkHttp or HttpClient 5 response would not close its socket:
 * the client reads the rest of the small body and hands the connection back to its pool, where it
 * sits idle in CLOSE_WAIT, held by the pool from then on.) Args: PostgreSQL's host:port, Redis's host:port.
 */
public final class LibraryLeaks {

    public static void main(String[] args) throws Exception {
        String postgres = args[0];
        String[] redis = args[1].split(":");
        Scenario.result("pid", ProcessHandle.current().pid());
        Scenario.result("inherited", inheritedDescriptor());
        try (ServerSocket closing = Scenario.loopbackServer(); ClosingHttpServer http = new ClosingHttpServer(300)) {
            Thread acceptor = new Thread(() -> acceptAndClose(closing), "closing-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress peer = new InetSocketAddress("127.0.0.1", closing.getLocalPort());
            Scenario.result("peerPort", closing.getLocalPort());
            Scenario.result("httpPort", http.port());

            if (Epoll.isAvailable()) {
                Channel epoll = subscribeOverEpoll(peer);
                Scenario.result("epollPort", ((InetSocketAddress) epoll.localAddress()).getPort());
            } else {
                Scenario.result("epollPort", "unavailable: " + Epoll.unavailabilityCause());
            }
            if (IoUring.isAvailable()) {
                Channel uring = subscribeOverIoUring(peer);
                Scenario.result("ioUringPort", ((InetSocketAddress) uring.localAddress()).getPort());
            } else {
                Scenario.result("ioUringPort", "unavailable: " + IoUring.unavailabilityCause());
            }
            Channel nio = subscribeOverNio(peer);
            Scenario.result("nioPort", ((InetSocketAddress) nio.localAddress()).getPort());

            OkHttpClient okHttp = new OkHttpClient();
            Response unclosed = fetchPricesWithOkHttp(okHttp, http.url("/prices"));
            CloseableHttpClient httpClient5 = HttpClients.createDefault();
            CloseableHttpResponse unclosed5 = fetchStockWithHttpClient5(httpClient5, http.url("/stock"));
            Scenario.keep(okHttp, httpClient5, unclosed, unclosed5);

            HikariDataSource reports = reportsPool(postgres);
            Connection borrowed = beginExport(reports);
            Scenario.keep(reports, borrowed);
            terminateSessions(postgres, "closewait-borrowed");

            Jedis jedis = (Jedis) org.junit.platform.commons.util.ReflectionUtils.invokeMethod(
                    LibraryLeaks.class.getDeclaredMethod("cacheClient", String.class, int.class), null,
                    redis[0], Integer.parseInt(redis[1]));
            Scenario.result("jedisPort", clientPort(jedis.clientInfo()));
            Scenario.keep(jedis);
            killRedisClient(redis[0], Integer.parseInt(redis[1]), jedis.clientId());
            Scenario.result("postgres", "ok");
            Scenario.step("leaked");

            closeLate(jedis, nio);
            Scenario.step("closed");
        }
        System.exit(0); // the event loops, HikariCP's and OkHttp's threads would keep the JVM alive
    }

    /** The socket on descriptor 3, if the parent handed one down: its inode, else "none". */
    static String inheritedDescriptor() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/3")).toString();
            return target.startsWith("socket:[") ? target.substring(8, target.length() - 1) : "none";
        } catch (Exception none) {
            return "none";
        }
    }

    private static void acceptAndClose(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket accepted = server.accept()) {
                accepted.getOutputStream().write('!');
            } catch (Exception closed) {
                return;
            }
        }
    }

    static Channel subscribeOverEpoll(InetSocketAddress peer) throws InterruptedException {
        return connect(EpollIoHandler.newFactory(), EpollSocketChannel.class, peer);
    }

    static Channel subscribeOverIoUring(InetSocketAddress peer) throws InterruptedException {
        return connect(IoUringIoHandler.newFactory(), IoUringSocketChannel.class, peer);
    }

    static Channel subscribeOverNio(InetSocketAddress peer) throws InterruptedException {
        return connect(NioIoHandler.newFactory(), NioSocketChannel.class, peer);
    }

    /**
     * A client that ignores the peer's FIN: half-closure allowed, and the handler swallows the
     * {@code ChannelInputShutdownEvent} that says the peer closed, so the channel stays open.
     * (Auto-read off is no such client: Netty's native transports still see the peer's close.)
     */
    private static Channel connect(IoHandlerFactory handlers, Class<? extends Channel> type, InetSocketAddress peer)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, handlers);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(type)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                        if (!(event instanceof ChannelInputShutdownEvent)) {
                            ctx.fireUserEventTriggered(event); // BUG: the peer's close is ignored
                        }
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object message) {
                        io.netty.util.ReferenceCountUtil.release(message);
                    }
                });
        bootstrap.option(ChannelOption.ALLOW_HALF_CLOSURE, true);
        Channel channel = bootstrap.connect(peer).sync().channel();
        Scenario.keep(group, channel);
        return channel;
    }

    static Response fetchPricesWithOkHttp(OkHttpClient client, String url) throws Exception {
        return client.newCall(new Request.Builder().url(url).build()).execute(); // BUG: never closed
    }

    @SuppressWarnings("deprecation")
    static CloseableHttpResponse fetchStockWithHttpClient5(CloseableHttpClient client, String url) throws Exception {
        return client.execute(new HttpGet(url)); // BUG: never closed
    }

    static HikariDataSource reportsPool(String postgres) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("reports-db");
        config.setJdbcUrl("jdbc:postgresql://" + postgres + "/postgres?ApplicationName=closewait-borrowed");
        config.setUsername("postgres");
        config.setMinimumIdle(1);
        config.setMaximumPoolSize(1);
        return new HikariDataSource(config);
    }

    static Connection beginExport(HikariDataSource pool) throws Exception {
        Connection connection = pool.getConnection(); // BUG: never returned to the pool
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("select 1")) {
            r.next();
        }
        return connection;
    }

    static void terminateSessions(String postgres, String applicationName) throws Exception {
        try (Connection dba = DriverManager.getConnection("jdbc:postgresql://" + postgres + "/postgres", "postgres", "");
             Statement s = dba.createStatement();
             ResultSet r = s.executeQuery("select count(pg_terminate_backend(pid)) from pg_stat_activity"
                     + " where application_name = '" + applicationName + "'")) {
            r.next();
            Scenario.result("terminated", r.getInt(1));
        }
    }

    static Jedis cacheClient(String host, int port) {
        Jedis jedis = new Jedis(host, port); // BUG: never closed
        jedis.ping();
        return jedis;
    }

    /** The client's port from Redis's CLIENT INFO line ({@code ... addr=127.0.0.1:50344 ...}). */
    private static int clientPort(String info) {
        for (String field : info.trim().split(" ")) {
            if (field.startsWith("addr=")) {
                return Integer.parseInt(field.substring(field.lastIndexOf(':') + 1));
            }
        }
        throw new IllegalStateException("no addr in " + info);
    }

    static void killRedisClient(String host, int port, long id) {
        try (Jedis admin = new Jedis(host, port)) {
            admin.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", Long.toString(id));
        }
    }

    static void closeLate(Jedis jedis, Channel channel) throws Exception {
        jedis.close();
        channel.close().sync();
    }
}
