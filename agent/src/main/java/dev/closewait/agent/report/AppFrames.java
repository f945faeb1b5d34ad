package dev.closewait.agent.report;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which frames of a creation stack belong to the application: the ones a reader looks for first,
 * marked {@code =>} in text, and the frame a one-line summary names. Frames of the JDK and of
 * connection pools are not the application's, nor those of the JDBC driver that opened a socket.
 */
public final class AppFrames {

    private static final Pattern HIDDEN_CLASS_SUFFIX = Pattern.compile("/0x[0-9a-fA-F]+");
    private static final String[] PLATFORM_PREFIXES = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
    /**
     * Connection pools: they open and close connections for the application, on its behalf or on
     * threads of their own, so their frames are infrastructure, not the code a reader looks for.
     */
    private static final String[] POOL_PREFIXES = {"com.zaxxer.hikari.", "org.apache.commons.dbcp.",
        "org.apache.commons.dbcp2.", "org.apache.tomcat.jdbc.pool.", "org.apache.tomcat.dbcp.", "com.mchange.v2.c3p0.",
        "io.agroal.", "oracle.ucp.", "org.vibur.dbcp.", "com.alibaba.druid.pool."};

    private AppFrames() {
    }

    /** Whether a rendered frame belongs to the application rather than the JDK or a connection pool. */
    public static boolean isApplicationFrame(String frame) {
        String className = className(frame);
        return !startsWithAny(className, PLATFORM_PREFIXES) && !startsWithAny(className, POOL_PREFIXES);
    }

    /**
     * Whether a frame belongs to the application, neither to the JDK nor to the library whose
     * package is {@code libraryPackage} (a JDBC driver's, for a socket it opened); may be {@code null}.
     */
    public static boolean isApplicationFrame(String frame, String libraryPackage) {
        return isApplicationFrame(frame)
                && (libraryPackage == null || !className(frame).startsWith(libraryPackage + "."));
    }

    /** The first application frame of {@code stack}, or its first frame, or {@code null} if empty. */
    public static String firstApplicationFrame(List<String> stack) {
        return firstApplicationFrame(stack, null);
    }

    /**
     * The first frame of {@code stack} outside the JDK, connection pools and {@code libraryPackage}.
     * Failing that (a pool's own thread opened the socket), the first frame that says who did: a
     * pool's, else one outside the JDK (the driver's). Else its first frame.
     */
    public static String firstApplicationFrame(List<String> stack, String libraryPackage) {
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
