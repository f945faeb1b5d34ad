package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into libraries and the JDK's HTTP clients: each piece only forwards an object to
 * the bridge. No string concatenation and no lambdas: Netty 4.1 is compiled for Java 6, whose class
 * files cannot hold the {@code invokedynamic} those compile to.
 */
final class LibraryAdvice {

    private LibraryAdvice() {
    }

    /** Netty's {@code io.netty.channel.unix.Socket(int fd)}: a native socket, epoll, io_uring or kqueue. */
    static final class NativeSocket {
        @Advice.OnMethodExit
        static void exit(@Advice.This Object socket, @Advice.Argument(0) int fd) {
            EventBridge.nativeOpened(socket, fd);
        }
    }

    /** Netty's {@code FileDescriptor.markClosed()}: true when this call closed it (every transport passes here). */
    static final class NativeClose {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object socket, @Advice.Return boolean closed) {
            if (closed) {
                EventBridge.closed(socket);
            }
        }
    }

    /** Netty's server channels' {@code newChildChannel(...)}: the accepted child channel. */
    static final class NativeAccept {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object child) {
            if (child != null) {
                EventBridge.opened(child, ConnectionEvents.ORIGIN_ACCEPT);
            }
        }
    }

    /** A library's entry on the application's thread ({@code Bootstrap.connect}): a request without an object. */
    static final class Request {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            EventBridge.requestStarted(null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            EventBridge.requestEnded();
        }
    }

    /** A request's object on the application's thread ({@code RealCall.execute}/{@code enqueue}). */
    static final class RequestOf {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object request) {
            EventBridge.requestStarted(request);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            EventBridge.requestEnded();
        }
    }

    /** A request's object made on the application's thread (the JDK HttpClient's {@code MultiExchange}). */
    static final class RequestMade {
        @Advice.OnMethodExit
        static void exit(@Advice.This Object request) {
            EventBridge.requestStarted(request);
            EventBridge.requestEnded();
        }
    }

    /** A library's thread works for a request ({@code ConnectPlan.connectSocket}, {@code MultiExchange.responseAsyncImpl}). */
    static final class ActingFor {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object work) {
            EventBridge.actingFor(work);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            EventBridge.requestEnded();
        }
    }

    /** HikariCP's {@code PoolEntry(Connection, PoolBase, ...)}: a physical connection joins a pool. */
    static final class HikariAdded {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object connection, @Advice.Argument(1) Object pool) {
            EventBridge.pool(ConnectionEvents.POOL_HIKARI, ConnectionEvents.POOL_ADDED, connection, pool);
        }
    }

    /** HikariCP's {@code PoolEntry.createProxyConnection}: the application borrows the connection. */
    static final class HikariBorrowed {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("connection") Object connection) {
            EventBridge.pool(ConnectionEvents.POOL_HIKARI, ConnectionEvents.POOL_BORROWED, connection, null);
        }
    }

    /** HikariCP's {@code PoolEntry.recycle()}: the connection goes back to the pool. */
    static final class HikariReturned {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("connection") Object connection) {
            EventBridge.pool(ConnectionEvents.POOL_HIKARI, ConnectionEvents.POOL_RETURNED, connection, null);
        }
    }

    /** HttpClient 5's {@code InternalConnectionEndpoint(PoolEntry)}: a pooled connection leased to a request. */
    static final class HttpClient5Leased {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object entry) {
            EventBridge.pool(ConnectionEvents.POOL_HTTPCLIENT5, ConnectionEvents.POOL_BORROWED, entry, null);
        }
    }

    /** HttpClient 5's {@code connect(ConnectionEndpoint, ...)}: a new pooled connection, leased, now has its socket. */
    static final class HttpClient5Connected {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Argument(0) Object endpoint) {
            EventBridge.pool(ConnectionEvents.POOL_HTTPCLIENT5, ConnectionEvents.POOL_BORROWED, endpoint, null);
        }
    }

    /** HttpClient 5's {@code release(PoolEntry, boolean reusable)} of its pools. */
    static final class HttpClient5Released {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object entry, @Advice.Argument(1) boolean reusable) {
            EventBridge.pool(ConnectionEvents.POOL_HTTPCLIENT5, ConnectionEvents.POOL_RETURNED, entry,
                    Boolean.valueOf(reusable));
        }
    }

    /** OkHttp's {@code RealCall.acquireConnectionNoEvents(RealConnection)}: a call takes a connection. */
    static final class OkHttpAcquired {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object connection) {
            EventBridge.pool(ConnectionEvents.POOL_OKHTTP, ConnectionEvents.POOL_BORROWED, connection, null);
        }
    }

    /** OkHttp's {@code RealCall.releaseConnectionNoEvents()}: the call lets its connection go (idle if no other call has it). */
    static final class OkHttpReleased {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.FieldValue("connection") Object connection) {
            return connection;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object connection) {
            EventBridge.pool(ConnectionEvents.POOL_OKHTTP, ConnectionEvents.POOL_RETURNED, connection, null);
        }
    }

    /** The JDK's {@code KeepAliveCache.put(URL, Object, HttpClient)}: a connection kept for reuse. */
    static final class KeepAlivePut {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(2) Object client) {
            EventBridge.pool(ConnectionEvents.POOL_JDK_KEEP_ALIVE, ConnectionEvents.POOL_RETURNED, client, null);
        }
    }

    /** The JDK's {@code KeepAliveCache.get(URL, Object)}: a kept connection reused. */
    static final class KeepAliveGet {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Return Object client) {
            if (client != null) {
                EventBridge.pool(ConnectionEvents.POOL_JDK_KEEP_ALIVE, ConnectionEvents.POOL_BORROWED, client, null);
            }
        }
    }
}
