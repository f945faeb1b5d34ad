package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Turns the {@link Throwable} captured when a socket opened into report frames, and interns
 * identical stacks so a thousand sockets opened on one line cost one list.
 *
 * <p>The capture stays a bare {@code Throwable} at open: the cheapest capture there is (about
 * 2 µs; a {@code StackWalker} keyed by class, method and bytecode index measured 4 to 15 µs on
 * JDK 17 and 25). Its frames are materialised later, off the application's path.
 */
public final class StackFrames {

    /** No limit on distinct stacks: for the stacks of reported sockets, which must be rendered. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private static final String[] AGENT_PREFIXES = {"dev.closewait.agent.", "dev.closewait.shaded."};
    private static final java.util.regex.Pattern HIDDEN_CLASS_SUFFIX = java.util.regex.Pattern.compile("/0x[0-9a-fA-F]+");
    private static final String[] PLATFORM_PREFIXES = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
    /**
     * Connection pools: they open and close connections for the application, on its behalf or on
     * threads of their own, so their frames are infrastructure, not the code a reader looks for.
     */
    private static final String[] POOL_PREFIXES = {"com.zaxxer.hikari.", "org.apache.commons.dbcp.",
        "org.apache.commons.dbcp2.", "org.apache.tomcat.jdbc.pool.", "org.apache.tomcat.dbcp.", "com.mchange.v2.c3p0.",
        "io.agroal.", "oracle.ucp.", "org.vibur.dbcp.", "com.alibaba.druid.pool."};

    private final int maxDistinct;
    private final ConcurrentMap<List<String>, List<String>> interned = new ConcurrentHashMap<>();
    /** Raw frames (agent frames included) to their rendered stack: a repeat is not rendered again. */
    private final ConcurrentMap<List<StackTraceElement>, List<String>> byElements = new ConcurrentHashMap<>();

    /** Interns every distinct stack it renders. */
    public StackFrames() {
        this(UNLIMITED);
    }

    /** Interns up to {@code maxDistinct} distinct stacks (see {@link #renderInterned}). */
    public StackFrames(int maxDistinct) {
        this.maxDistinct = maxDistinct;
    }

    /**
     * Frames as {@link StackTraceElement#toString()} prints them, innermost first, the agent's own
     * frames removed; identical stacks are the same list instance.
     */
    public List<String> render(Throwable creation) {
        return render(creation.getStackTrace(), true);
    }

    /**
     * Like {@link #render}, but only while a new stack can still be interned: {@code null} once
     * {@code maxDistinct} distinct stacks are (a socket keeps its {@code Throwable} then, which is
     * smaller than a list of its own).
     */
    public List<String> renderInterned(Throwable creation) {
        return render(creation.getStackTrace(), false);
    }

    private List<String> render(StackTraceElement[] elements, boolean evenWithoutRoom) {
        List<StackTraceElement> key = Arrays.asList(elements);
        List<String> known = byElements.get(key);
        if (known != null) {
            return known;
        }
        boolean room = byElements.size() < maxDistinct;
        if (!room && !evenWithoutRoom) {
            return null;
        }
        List<String> frames = new ArrayList<>(elements.length);
        for (StackTraceElement element : elements) {
            if (!startsWithAny(element.getClassName(), AGENT_PREFIXES)) {
                frames.add(element.toString());
            }
        }
        List<String> stack = Collections.unmodifiableList(frames);
        List<String> previous = interned.putIfAbsent(stack, stack);
        stack = previous != null ? previous : stack;
        if (room) {
            byElements.putIfAbsent(key, stack);
        }
        return stack;
    }

    /** How many distinct stacks were rendered. */
    public int distinctStacks() {
        return interned.size();
    }

    /**
     * Whether a rendered frame belongs to the application rather than the JDK or a connection pool:
     * the frames a reader looks for first.
     */
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
