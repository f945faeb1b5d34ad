package dev.closewait.agent.report;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which frames of a stack belong to the application: the ones a reader looks for first, marked
 * {@code =>} in text, and the frame a one-line summary names. By default every frame is the
 * application's but those of the JDK, of connection pools, and of well-known libraries and
 * frameworks (HTTP, Redis, AMQP, Kafka and Mongo clients, Netty, Reactor, gRPC, JDBC drivers,
 * Spring and Jakarta infrastructure, test runners, ...). With the agent option {@code app}, only
 * frames of the packages it names are.
 */
public final class AppFrames {

    /** The default policy: no {@code app} option. */
    public static final AppFrames DEFAULT = new AppFrames(List.of());

    private static final Pattern HIDDEN_CLASS_SUFFIX = Pattern.compile("/0x[0-9a-fA-F]+");
    private static final String[] PLATFORM_PREFIXES = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
    /**
     * Connection pools: they open and close connections for the application, on its behalf or on
     * threads of their own, so their frames are infrastructure, not the code a reader looks for.
     */
    private static final String[] POOL_PREFIXES = {"com.zaxxer.hikari.", "org.apache.commons.dbcp.",
        "org.apache.commons.dbcp2.", "org.apache.commons.pool2.", "org.apache.tomcat.jdbc.pool.",
        "org.apache.tomcat.dbcp.", "com.mchange.v2.c3p0.", "io.agroal.", "oracle.ucp.", "org.vibur.dbcp.",
        "com.alibaba.druid.pool."};
    /** The names of {@link #POOL_PREFIXES}' pools, for sentences. */
    private static final String[] POOL_NAMES = {"HikariCP", "DBCP", "DBCP2", "Commons Pool", "Tomcat JDBC", "Tomcat DBCP",
        "c3p0", "Agroal", "UCP", "Vibur", "Druid"};
    /** Libraries and frameworks whose frames are between the application and the socket. */
    private static final String[] LIBRARY_PREFIXES = {
        // HTTP clients and servers
        "org.apache.hc.", "org.apache.http.", "okhttp3.", "okio.", "com.squareup.okhttp.", "org.eclipse.jetty.",
        "io.undertow.", "org.asynchttpclient.", "feign.", "retrofit2.", "org.apache.catalina.", "org.apache.coyote.",
        "org.apache.tomcat.", "org.glassfish.", "org.jboss.resteasy.",
        // messaging, caches, databases' own clients and JDBC drivers
        "redis.clients.jedis.", "io.lettuce.", "org.redisson.", "com.rabbitmq.", "org.apache.kafka.", "com.mongodb.",
        "org.mongodb.", "io.nats.", "org.eclipse.paho.", "org.elasticsearch.", "co.elastic.", "com.datastax.",
        "org.postgresql.", "org.mariadb.", "com.mysql.", "oracle.jdbc.", "com.microsoft.sqlserver.", "com.ibm.db2.",
        "org.h2.", "org.hsqldb.", "org.apache.derby.", "net.snowflake.",
        // networking and reactive runtimes
        "io.netty.", "reactor.", "io.reactivex.", "io.grpc.", "io.vertx.", "akka.", "kotlinx.coroutines.", "kotlin.",
        "scala.", "groovy.", "org.codehaus.groovy.",
        // cloud SDKs
        "software.amazon.awssdk.", "com.amazonaws.", "com.google.api.", "com.google.cloud.", "com.google.common.",
        "com.azure.", "com.microsoft.azure.",
        // frameworks and containers
        "org.springframework.", "jakarta.", "org.hibernate.", "org.apache.ibatis.", "org.mybatis.", "org.jooq.",
        "io.quarkus.", "io.micronaut.", "io.helidon.", "io.dropwizard.", "com.fasterxml.jackson.", "org.slf4j.",
        "ch.qos.logback.", "org.apache.logging.", "io.micrometer.", "io.opentelemetry.",
        // test runners and build tools
        "org.junit.", "junit.", "org.testng.", "org.apache.maven.", "org.gradle.", "worker.org.gradle.",
        "org.mockito.", "org.testcontainers.", "org.assertj.", "org.hamcrest."};

    private final String[] application;

    private AppFrames(List<String> application) {
        this.application = application.toArray(new String[0]);
    }

    /** The policy of the agent option {@code app}: only frames of these package prefixes are the application's. */
    public static AppFrames of(List<String> applicationPrefixes) {
        return applicationPrefixes.isEmpty() ? DEFAULT : new AppFrames(applicationPrefixes);
    }

    /** Whether a rendered frame belongs to the application. */
    public boolean isApplicationFrame(String frame) {
        return isApplicationFrame(frame, null);
    }

    /**
     * Whether a frame belongs to the application, not to the library whose package is
     * {@code libraryPackage} (a JDBC driver's, for a socket it opened); it may be {@code null}.
     */
    public boolean isApplicationFrame(String frame, String libraryPackage) {
        String className = className(frame);
        if (application.length > 0) {
            return startsWithAny(className, application);
        }
        return !startsWithAny(className, PLATFORM_PREFIXES) && !startsWithAny(className, POOL_PREFIXES)
                && !isLibrary(className) && (libraryPackage == null || !className.startsWith(libraryPackage + "."));
    }

    /** A library's class, also where a framework shades one ({@code io.grpc.netty.shaded.io.netty.}). */
    private static boolean isLibrary(String className) {
        return startsWithAny(className, LIBRARY_PREFIXES) || className.contains(".io.netty.");
    }

    /** Whether {@code stack} holds an application frame. */
    public boolean hasApplicationFrame(List<String> stack, String libraryPackage) {
        for (String frame : stack) {
            if (isApplicationFrame(frame, libraryPackage)) {
                return true;
            }
        }
        return false;
    }

    /** The first application frame of {@code stack}, or its first frame, or {@code null} if empty. */
    public String firstApplicationFrame(List<String> stack) {
        return firstApplicationFrame(stack, null);
    }

    /**
     * The first frame of {@code stack} that is the application's. Failing that (a pool's or a
     * library's own thread opened the socket), the first frame that says who did: a pool's, else
     * one outside the JDK (a library's or the driver's). Else its first frame; {@code null} if empty.
     */
    public String firstApplicationFrame(List<String> stack, String libraryPackage) {
        String pool = null;
        String outsideJdk = null;
        for (String frame : stack) {
            if (isApplicationFrame(frame, libraryPackage)) {
                return frame;
            }
            String className = className(frame);
            if (pool == null && startsWithAny(className, POOL_PREFIXES)) {
                pool = frame;
            }
            if (outsideJdk == null && !startsWithAny(className, PLATFORM_PREFIXES)) {
                outsideJdk = frame;
            }
        }
        if (pool != null) {
            return pool;
        }
        return outsideJdk != null ? outsideJdk : stack.isEmpty() ? null : stack.get(0);
    }

    /**
     * The frame a one-line summary names for a socket: the first application frame of its creation
     * stack, else of the call that asked for it ({@code requestedBy}), else what
     * {@link #firstApplicationFrame(List, String)} finds in the creation stack.
     */
    public String nameFrame(List<String> stack, List<String> requestedBy, String libraryPackage) {
        if (!hasApplicationFrame(stack, libraryPackage) && requestedBy != null
                && hasApplicationFrame(requestedBy, libraryPackage)) {
            return firstApplicationFrame(requestedBy, libraryPackage);
        }
        return firstApplicationFrame(stack, libraryPackage);
    }

    /**
     * Who closed a socket, from the frames of its close: the JDK's keep-alive cache; the JDBC
     * driver and the connection pool that called it, or either; the application at its frame; or
     * library code at its frame. {@code null} when the frames show none of them (JDK frames only).
     */
    public String whoClosed(List<String> closedBy, String libraryPackage) {
        String driver = null;
        String pool = null;
        String application = null;
        String library = null;
        for (String frame : closedBy) {
            String className = className(frame);
            if (className.startsWith("sun.net.www.http.KeepAliveCache") || className.startsWith("sun.net.www.http.KeepAliveStream")) {
                return "the JDK's keep-alive cache";
            }
            if (pool == null && startsWithAny(className, POOL_PREFIXES)) {
                pool = poolName(className);
            } else if (driver == null && libraryPackage != null && className.startsWith(libraryPackage + ".")) {
                driver = frame;
            } else if (application == null && isApplicationFrame(frame, libraryPackage)) {
                application = frame;
            } else if (library == null && !startsWithAny(className, PLATFORM_PREFIXES) && !isDescriptorLayer(className)) {
                library = frame;
            }
        }
        if (driver != null) {
            return pool == null ? "the JDBC driver" : "the JDBC driver, called by the connection pool (" + pool + ")";
        }
        if (pool != null) {
            return "the connection pool (" + pool + ")";
        }
        return application != null ? "the application at " + application
                : library != null ? "library code at " + library : null;
    }

    /**
     * Netty's native descriptor classes ({@code io.netty.channel.unix.FileDescriptor.markClosed}, where
     * every native close passes): naming them says nothing of who closed the socket.
     */
    private static boolean isDescriptorLayer(String className) {
        int at = className.indexOf("io.netty.channel.unix.");
        return at == 0 || at > 0 && className.charAt(at - 1) == '.';
    }

    private static String poolName(String className) {
        for (int i = 0; i < POOL_PREFIXES.length; i++) {
            if (className.startsWith(POOL_PREFIXES[i])) {
                return POOL_NAMES[i];
            }
        }
        return null;
    }

    /** {@code org.postgresql.Driver} -> {@code org.postgresql}; {@code null} stays {@code null}. */
    public static String packageOf(String className) {
        if (className == null || className.lastIndexOf('.') < 0) {
            return null;
        }
        return className.substring(0, className.lastIndexOf('.'));
    }

    /** {@code java.base/java.net.Socket.connect(Socket.java:1)} -> {@code java.net.Socket.connect}. */
    static String className(String frame) {
        int paren = frame.indexOf('(');
        String head = paren < 0 ? frame : frame.substring(0, paren);
        head = HIDDEN_CLASS_SUFFIX.matcher(head).replaceAll(""); // Foo$$Lambda/0x1234.run -> Foo$$Lambda.run
        return head.substring(head.lastIndexOf('/') + 1);
    }

    private static boolean startsWithAny(String text, String[] prefixes) {
        for (String prefix : prefixes) {
            if (text.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
