package dev.closewait.it.libraries;

import com.rabbitmq.client.ConnectionFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closewait.it.scenarios.Scenario;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Correct use of the usual client and server libraries, one after the other in one JVM: every
 * response and connection closed, every client shut down. None of it may give a finding.
 * Each control prints {@code RESULT control.<name>=ok}, {@code skipped: ...} when its server is
 * not reachable, or the error. Args: PostgreSQL, MariaDB, Redis and RabbitMQ as host:port.
 */
public final class LibraryControls {

    /** The Redis controls' keys expire after this, should the JVM die before it deletes them. */
    private static final long REDIS_KEY_SECONDS = 60;

    private interface Control {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String postgres = args[0];
        String mariadb = args[1];
        String redis = args[2];
        String rabbit = args[3];
        Scenario.result("pid", ProcessHandle.current().pid());

        Tomcat tomcat = startTomcat();
        String tomcatUrl = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/orders";
        control("httpClient5", null, () -> httpClient5(tomcatUrl));
        control("okHttp", null, () -> okHttp(tomcatUrl));
        control("jdkHttpClient", null, () -> jdkHttpClient(tomcatUrl));
        control("urlConnection", null, () -> urlConnection(tomcatUrl));
        control("jetty", null, LibraryControls::jettyClientAndServer);
        control("nettyNio", null, () -> netty(NioIoHandler.newFactory(), NioServerSocketChannel.class,
                NioSocketChannel.class));
        if (Epoll.isAvailable()) {
            control("nettyEpoll", null, () -> netty(EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class));
        }
        control("jedis", redis, () -> jedis(redis));
        control("lettuce", redis, () -> lettuce(redis));
        control("hikariPostgres", postgres, () -> hikariPostgres(postgres));
        control("mariadb", mariadb, () -> mariadb(mariadb));
        control("rabbitmq", rabbit, () -> rabbitmq(rabbit));
        Scenario.keep(tomcat);
        Scenario.step("done");
        System.exit(0); // Tomcat's threads would keep the JVM alive
    }

    private static void control(String name, String server, Control control) {
        if (server != null && !reachable(server)) {
            Scenario.result("control." + name, "skipped: nothing listens on " + server);
            return;
        }
        try {
            control.run();
            Scenario.result("control." + name, "ok");
        } catch (Throwable failed) {
            failed.printStackTrace();
            Scenario.result("control." + name, "failed: " + failed);
        }
    }

    private static boolean reachable(String hostPort) {
        String[] hp = hostPort.split(":");
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 1000);
            return true;
        } catch (IOException unreachable) {
            return false;
        }
    }

    static Tomcat startTomcat() throws Exception {
        Tomcat tomcat = new Tomcat();
        // In the scenario's working directory, the test's own temporary directory: nothing is left in /tmp.
        tomcat.setBaseDir(Files.createTempDirectory(Path.of("").toAbsolutePath(), "tomcat").toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "orders", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                response.getWriter().write("ok");
            }
        });
        context.addServletMappingDecoded("/*", "orders");
        tomcat.start();
        return tomcat;
    }

    static void httpClient5(String url) throws Exception {
        try (CloseableHttpClient client = HttpClients.createDefault()) {
            for (int i = 0; i < 3; i++) {
                expectOk(client.execute(new HttpGet(url), response -> EntityUtils.toString(response.getEntity())));
            }
        }
    }

    static void okHttp(String url) throws Exception {
        OkHttpClient client = new OkHttpClient();
        for (int i = 0; i < 3; i++) {
            try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
                expectOk(response.body().string());
            }
        }
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    static void jdkHttpClient(String url) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        expectOk(client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
        if (client instanceof AutoCloseable) { // JDK 21+: close() ends its connections; on 17 they stay pooled, ESTABLISHED
            ((AutoCloseable) client).close();
        }
    }

    static void urlConnection(String url) throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            try (InputStream in = connection.getInputStream()) {
                expectOk(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
    }

    static void jettyClientAndServer() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  Callback callback) {
                response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
        org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
        client.start();
        try {
            expectOk(client.GET("http://127.0.0.1:" + connector.getLocalPort() + "/stock").getContentAsString());
        } finally {
            client.stop();
            server.stop();
        }
    }

    static void netty(IoHandlerFactory io, Class<? extends ServerChannel> serverType, Class<? extends Channel> clientType)
            throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, io);
        try {
            CompletableFuture<Void> childClosed = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(serverType)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object message) {
                            ctx.writeAndFlush(message); // echo
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            childClosed.complete(null);
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(clientType)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object message) {
                            ByteBuf bytes = (ByteBuf) message;
                            echoed.complete(bytes.toString(StandardCharsets.US_ASCII));
                            bytes.release();
                            ctx.close();
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
            expectOk(echoed.get(10, TimeUnit.SECONDS));
            client.closeFuture().sync();
            childClosed.get(10, TimeUnit.SECONDS); // the server closes its side on the client's FIN, then it stops
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static void jedis(String redis) {
        String[] hp = redis.split(":");
        String key = redisKey();
        try (Jedis jedis = new Jedis(hp[0], Integer.parseInt(hp[1]))) {
            try {
                jedis.setex(key, REDIS_KEY_SECONDS, "ok");
                expectOk(jedis.get(key));
            } finally {
                jedis.del(key);
            }
        }
    }

    static void lettuce(String redis) {
        RedisClient client = RedisClient.create("redis://" + redis);
        String key = redisKey();
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            try {
                connection.sync().setex(key, REDIS_KEY_SECONDS, "ok");
                expectOk(connection.sync().get(key));
            } finally {
                connection.sync().del(key);
            }
        } finally {
            client.shutdown();
        }
    }

    /** A key of this run's own in the host's shared Redis; it expires should the run die before deleting it. */
    private static String redisKey() {
        return "closewait:control:" + ProcessHandle.current().pid() + ":" + UUID.randomUUID();
    }

    static void hikariPostgres(String postgres) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setPoolName("controls-db");
        config.setJdbcUrl("jdbc:postgresql://" + postgres + "/postgres");
        config.setUsername("postgres");
        config.setMaximumPoolSize(2);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            for (int i = 0; i < 3; i++) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("select 'ok'")) {
                    r.next();
                    expectOk(r.getString(1));
                }
            }
        }
    }

    static void mariadb(String mariadb) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + mariadb + "/", "root", "");
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("select 'ok'")) {
            r.next();
            expectOk(r.getString(1));
        }
    }

    static void rabbitmq(String rabbit) throws Exception {
        String[] hp = rabbit.split(":");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(hp[0]);
        factory.setPort(Integer.parseInt(hp[1]));
        factory.setUsername("guest");
        factory.setPassword("guest");
        try (com.rabbitmq.client.Connection connection = factory.newConnection();
             com.rabbitmq.client.Channel channel = connection.createChannel()) {
            String queue = channel.queueDeclare().getQueue();
            channel.basicPublish("", queue, null, "ok".getBytes(StandardCharsets.US_ASCII));
            com.rabbitmq.client.GetResponse got = null;
            for (int tries = 0; got == null && tries < 100; tries++) {
                got = channel.basicGet(queue, true);
                Thread.sleep(got == null ? 20 : 0);
            }
            expectOk(got == null ? null : new String(got.getBody(), StandardCharsets.US_ASCII));
        }
    }

    private static void expectOk(String body) {
        if (!"ok".equals(body)) {
            throw new IllegalStateException("expected 'ok', got '" + body + "'");
        }
    }
}
