package dev.closewait.agent.boot;

/**
 * What the agent does with an event from instrumented code. Implemented by the agent's tracker;
 * called only through {@link EventBridge}, never directly from instrumented code.
 */
public interface ConnectionEvents {

    /** {@code socket} (a {@code java.net.Socket} or a {@code SocketChannel}) was connected by this JVM. */
    int ORIGIN_CONNECT = 0;
    /** {@code socket} was accepted by a server socket of this JVM. */
    int ORIGIN_ACCEPT = 1;

    /** {@link #pool}'s library: HikariCP ({@code resource} is the physical JDBC connection). */
    int POOL_HIKARI = 1;
    /** {@link #pool}'s library: Apache HttpClient 5's classic pool ({@code resource} is a {@code PoolEntry}). */
    int POOL_HTTPCLIENT5 = 2;
    /** {@link #pool}'s library: OkHttp ({@code resource} is a {@code RealConnection}). */
    int POOL_OKHTTP = 3;
    /** {@link #pool}'s library: the JDK's HttpURLConnection keep-alive cache ({@code resource} is its {@code HttpClient}). */
    int POOL_JDK_KEEP_ALIVE = 4;
    /** {@link #pool}'s event: the resource joined the pool ({@code detail}: the pool, for its name). */
    int POOL_ADDED = 0;
    /** {@link #pool}'s event: the application borrowed the resource. */
    int POOL_BORROWED = 1;
    /** {@link #pool}'s event: the resource went back to the pool ({@code detail}: {@code Boolean.FALSE} if not to be reused). */
    int POOL_RETURNED = 2;

    /** A socket became connected; {@code origin} is {@link #ORIGIN_CONNECT} or {@link #ORIGIN_ACCEPT}. */
    void opened(Object socket, int origin);

    /**
     * Native code made a socket: Netty's {@code io.netty.channel.unix.Socket} {@code socket} with
     * file descriptor {@code fd} (epoll, io_uring, kqueue). Its close comes as {@link #closed}.
     */
    void nativeOpened(Object socket, int fd);

    /** The application closed {@code socket} (possibly one that was never tracked). */
    void closed(Object socket);

    /**
     * A JDBC connect begins on this thread: {@code Driver.connect(url, info)} ({@code connection} is
     * {@code null}), or a driver's own (re)connect of an existing physical {@code connection}
     * ({@code driver} and {@code url} may be {@code null}). Sockets opened on this thread until the
     * matching {@link #jdbcConnectEnded} belong to it.
     */
    void jdbcConnectStarted(Object driver, String url, Object info, Object connection);

    /** The innermost JDBC connect of this thread ended: it returned {@code result} or threw {@code thrown}. */
    void jdbcConnectEnded(Object result, Throwable thrown);

    /** {@code Connection.close()} ran on {@code connection} (possibly one not returned by a driver). */
    void jdbcClosed(Object connection);

    /**
     * The JVM is about to end with {@code proposed} (the status of {@code System.exit}, or
     * {@link #STATUS_UNKNOWN} when {@code main} returned and the launcher decides): returns the
     * status to end with, or {@code proposed} to leave it alone.
     */
    int exitStatus(int proposed);

    /** {@link #exitStatus}'s proposal when the launcher decides the status (main returned or threw). */
    int STATUS_UNKNOWN = -1;

    /** A thread is about to die of an uncaught exception (for {@code main}, the launcher's status 1). */
    void uncaughtException(Thread thread);

    /**
     * A library's request starts on the application's thread ({@code request}: the library's object
     * for it, or {@code null}): sockets opened for it on other threads name this call as who asked.
     */
    void requestStarted(Object request);

    /** A library's thread acts for {@code request}, started earlier: the sockets it opens are that request's. */
    void actingFor(Object request);

    /** The innermost {@link #requestStarted} or {@link #actingFor} of this thread ended. */
    void requestEnded();

    /** A JDK socket channel was made (its connect may come on another thread). */
    void channelCreated(Object channel);

    /**
     * A pool or cache of connections did something with {@code resource}: one of the
     * {@code POOL_}-events, for one of the {@code POOL_}-libraries.
     */
    void pool(int library, int event, Object resource, Object detail);

    /**
     * {@code ManagementFactory.getPlatformMBeanServer()} returned {@code server} (a
     * {@code javax.management.MBeanServer}): the application, or the JDK's management agent, made
     * the platform MBean server, so the agent may register its MBean without deciding the host's
     * JMX and logging configuration itself.
     */
    void platformMBeanServer(Object server);

    /**
     * The JVM answers an attach client's request for its agent properties with {@code serialized}
     * (their stored form): returns what to answer instead, with the live report appended, or
     * {@code null} to answer as the JVM would have.
     */
    byte[] agentPropertiesRequested(byte[] serialized);

    /** The bridge caught {@code fault} from this instance; the bridge has already detached it. */
    void failed(Throwable fault);
}
