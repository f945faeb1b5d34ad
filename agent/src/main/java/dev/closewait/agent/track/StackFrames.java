package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Turns the {@link Throwable} captured when a socket opened into report frames, and interns
 * identical stacks so a thousand sockets opened on one line cost one list. Which frames are the
 * application's is a question for display ({@code dev.closewait.agent.report.AppFrames}).
 *
 * <p>The capture stays a bare {@code Throwable} at open: the cheapest capture there is (about
 * 2 µs; a {@code StackWalker} keyed by class, method and bytecode index measured 4 to 15 µs on
 * JDK 17 and 25). Its frames are materialised later, off the application's path.
 */
public final class StackFrames {

    /** No limit on distinct stacks: for the stacks of reported sockets, which must be rendered. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private static final String[] AGENT_PREFIXES = {"dev.closewait.agent.", "dev.closewait.shaded."};

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
                frames.add(LongText.capped(element.toString()));
            }
        }
        List<String> stack = Collections.unmodifiableList(frames);
        if (!room) {
            List<String> same = interned.get(stack); // interned already, or a list of its own: nothing grows
            return same != null ? same : stack;
        }
        List<String> previous = interned.putIfAbsent(stack, stack);
        stack = previous != null ? previous : stack;
        byElements.putIfAbsent(key, stack);
        return stack;
    }

    /** How many distinct stacks were rendered. */
    public int distinctStacks() {
        return interned.size();
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
