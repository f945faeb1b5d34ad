package dev.closewait.agent.detect;

/** What became of a leaked socket; the report's {@code status}. */
public enum LeakStatus {
    /** Still open when the report was written. */
    OPEN,
    /** The application closed it, but only after it sat in CLOSE_WAIT longer than {@code grace}. */
    CLOSED_LATE,
    /** Never closed; the socket object became unreachable and the JDK's cleaner released the descriptor. */
    RECLAIMED_BY_GC,
    /** Never closed; the object is unreachable, the descriptor still held (NIO channels have no cleaner). */
    ORPHANED
}
