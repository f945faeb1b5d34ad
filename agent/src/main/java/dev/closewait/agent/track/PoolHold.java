package dev.closewait.agent.track;

import java.util.List;

/**
 * What a known pool or cache says of a connection it manages: its name, whether the connection
 * sits idle in it now and since when, and the stack of the call that borrowed it (while borrowed).
 * Each pool event replaces the value; only the rendering of the borrow's frames is kept once made.
 */
public final class PoolHold {

    private final String library;
    private final String name;
    private final boolean idle;
    private final long since;
    private final Throwable borrowedBy;
    /** {@link #borrowedBy} rendered; guarded by this. */
    private List<String> borrowedFrames;

    private PoolHold(String library, String name, boolean idle, long since, Throwable borrowedBy) {
        this.library = library;
        this.name = LongText.capped(name);
        this.idle = idle;
        this.since = since;
        this.borrowedBy = borrowedBy;
    }

    /** Idle in the pool since {@code since}. */
    static PoolHold idle(String library, String name, long since) {
        return new PoolHold(library, name, true, since, null);
    }

    /** Borrowed from the pool at {@code since} by the call whose stack {@code borrowedBy} holds. */
    static PoolHold borrowed(String library, String name, long since, Throwable borrowedBy) {
        return new PoolHold(library, name, false, since, borrowedBy);
    }

    /** The pool's library: {@code HikariCP}, {@code HttpClient 5}, {@code OkHttp}, {@code JDK keep-alive cache}. */
    public String library() {
        return library;
    }

    /** The pool's name, where it has one ({@code HikariPool-1}); else {@code null}. */
    public String name() {
        return name;
    }

    /** Whether the connection sits idle in the pool. */
    public boolean idle() {
        return idle;
    }

    /** When it became idle, or was borrowed (epoch millis). */
    public long since() {
        return since;
    }

    /** The frames of the borrow, rendered once; {@code null} when idle or not known. */
    public synchronized List<String> borrowedBy(StackFrames frames) {
        if (borrowedFrames == null && borrowedBy != null) {
            borrowedFrames = frames.render(borrowedBy);
        }
        return borrowedFrames;
    }
}
