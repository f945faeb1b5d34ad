package dev.closewait.agent.track;

/** How a tracked socket came to be; the report's {@code origin}. */
public enum Origin {
    /** This JVM connected it. */
    CONNECT,
    /** A server socket of this JVM accepted it. */
    ACCEPT,
    /** It existed before the agent was attached: no stack, no thread, no open time. */
    BEFORE_ATTACH,
    /**
     * A socket of this process in CLOSE_WAIT that the agent did not see made (native code, a
     * descriptor inherited from a parent): found by its inode; no stack, no thread.
     */
    UNTRACKED
}
