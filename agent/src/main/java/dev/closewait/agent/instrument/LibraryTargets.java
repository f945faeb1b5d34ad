package dev.closewait.agent.instrument;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.List;
import java.util.Set;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Where libraries open sockets out of the JDK's sight, open them on threads of their own, or keep
 * them in pools ({@link LibraryAdvice}):
 * <ul>
 *   <li>Netty's native transports (epoll, io_uring, kqueue; 4.1 and 4.2, shaded copies too): every
 *       socket passes {@code io.netty.channel.unix.Socket(int)} and closes through
 *       {@code FileDescriptor.markClosed()}; server channels make accepted children in
 *       {@code newChildChannel}; {@code Bootstrap.connect} runs on the application's thread;</li>
 *   <li>OkHttp 5: {@code RealCall.execute}/{@code enqueue} on the application's thread,
 *       {@code ConnectPlan.connectSocket} on its connect thread, and its pool's acquire and release;</li>
 *   <li>the JDK HttpClient's {@code MultiExchange} (made on the caller's thread, working on another);</li>
 *   <li>HikariCP's {@code PoolEntry}; HttpClient 5's classic pool; the JDK's HttpURLConnection
 *       keep-alive cache.</li>
 * </ul>
 */
final class LibraryTargets {

    /** Netty classes, as the end of their names: a shaded Netty keeps it ({@code io.grpc.netty.shaded.io.netty...}). */
    private static final String[] NETTY = {"io/netty/channel/unix/Socket", "io/netty/channel/unix/FileDescriptor",
        "io/netty/bootstrap/Bootstrap", "io/netty/channel/epoll/EpollServerSocketChannel",
        "io/netty/channel/kqueue/KQueueServerSocketChannel", "io/netty/channel/uring/IoUringServerSocketChannel",
        "io/netty/incubator/channel/uring/IOUringServerSocketChannel"};
    /** Other classes, as internal names. */
    private static final Set<String> CLASSES = Set.of("okhttp3/internal/connection/RealCall",
            "org/apache/hc/client5/http/impl/io/PoolingHttpClientConnectionManager",
            "okhttp3/internal/connection/ConnectPlan", "jdk/internal/net/http/MultiExchange",
            "com/zaxxer/hikari/pool/PoolEntry",
            "org/apache/hc/client5/http/impl/io/PoolingHttpClientConnectionManager$InternalConnectionEndpoint",
            "org/apache/hc/core5/pool/StrictConnPool", "org/apache/hc/core5/pool/LaxConnPool",
            "sun/net/www/http/KeepAliveCache");

    private LibraryTargets() {
    }

    /** Whether the class of internal name {@code className} is one of these targets. */
    static boolean wants(String className) {
        if (CLASSES.contains(className)) {
            return true;
        }
        for (String netty : NETTY) {
            if (className.endsWith(netty)
                    && (className.length() == netty.length() || className.charAt(className.length() - netty.length() - 1) == '/')) {
                return true;
            }
        }
        return false;
    }

    /** A Netty type by the end of its name. */
    private static ElementMatcher.Junction<TypeDescription> netty(String name) {
        return named(name).or(nameEndsWith("." + name));
    }

    static List<Target> all() {
        return List.of(
                new Target(netty("io.netty.channel.unix.Socket"), isConstructor().and(takesArguments(1))
                        .and(takesArgument(0, int.class)), LibraryAdvice.NativeSocket.class),
                new Target(netty("io.netty.channel.unix.FileDescriptor"), named("markClosed").and(takesNoArguments())
                        .and(returns(boolean.class)), LibraryAdvice.NativeClose.class),
                new Target(netty("io.netty.bootstrap.Bootstrap"), named("connect").and(isPublic()),
                        LibraryAdvice.Request.class),
                new Target(netty("io.netty.channel.epoll.EpollServerSocketChannel")
                        .or(netty("io.netty.channel.kqueue.KQueueServerSocketChannel"))
                        .or(netty("io.netty.channel.uring.IoUringServerSocketChannel"))
                        .or(netty("io.netty.incubator.channel.uring.IOUringServerSocketChannel")),
                        named("newChildChannel"), LibraryAdvice.NativeAccept.class),
                new Target(named("okhttp3.internal.connection.RealCall"), named("execute").and(takesNoArguments())
                        .or(named("enqueue").and(takesArguments(1))), LibraryAdvice.RequestOf.class),
                new Target(named("okhttp3.internal.connection.RealCall"), named("acquireConnectionNoEvents")
                        .and(takesArguments(1)), LibraryAdvice.OkHttpAcquired.class),
                new Target(named("okhttp3.internal.connection.RealCall"), nameStartsWith("releaseConnectionNoEvents")
                        .and(takesNoArguments()), LibraryAdvice.OkHttpReleased.class),
                new Target(named("okhttp3.internal.connection.ConnectPlan"), named("connectSocket").and(takesNoArguments()),
                        LibraryAdvice.ActingFor.class),
                new Target(named("jdk.internal.net.http.MultiExchange"), isConstructor(), LibraryAdvice.RequestMade.class),
                new Target(named("jdk.internal.net.http.MultiExchange"), named("responseAsyncImpl").and(takesNoArguments()),
                        LibraryAdvice.ActingFor.class),
                new Target(named("com.zaxxer.hikari.pool.PoolEntry"), isConstructor()
                        .and(takesArgument(0, named("java.sql.Connection"))), LibraryAdvice.HikariAdded.class),
                new Target(named("com.zaxxer.hikari.pool.PoolEntry"), named("createProxyConnection"),
                        LibraryAdvice.HikariBorrowed.class),
                new Target(named("com.zaxxer.hikari.pool.PoolEntry"), named("recycle"), LibraryAdvice.HikariReturned.class),
                new Target(named("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager$InternalConnectionEndpoint"),
                        isConstructor().and(takesArguments(1)), LibraryAdvice.HttpClient5Leased.class),
                new Target(named("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager"),
                        named("connect").and(takesArguments(3)), LibraryAdvice.HttpClient5Connected.class),
                new Target(named("org.apache.hc.core5.pool.StrictConnPool").or(named("org.apache.hc.core5.pool.LaxConnPool")),
                        named("release").and(takesArguments(2)).and(takesArgument(1, boolean.class)),
                        LibraryAdvice.HttpClient5Released.class),
                new Target(named("sun.net.www.http.KeepAliveCache"), named("put").and(takesArguments(3)),
                        LibraryAdvice.KeepAlivePut.class),
                new Target(named("sun.net.www.http.KeepAliveCache"), named("get").and(takesArguments(2)),
                        LibraryAdvice.KeepAliveGet.class));
    }
}
