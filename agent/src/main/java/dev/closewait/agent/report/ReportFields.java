package dev.closewait.agent.report;

/**
 * The JSON report's field names (version 1, DESIGN.md): a contract scripts read. The writer
 * ({@link JsonReport}) and the reader ({@link ReportReader}) both name fields from here.
 */
final class ReportFields {

    static final String TOOL = "tool";
    static final String VERSION = "version";
    static final String PID = "pid";
    static final String GENERATED_AT = "generatedAt";
    static final String SUMMARY = "summary";
    static final String TRACKED = "tracked";
    static final String OPEN = "open";
    static final String LEAKS = "leaks";
    static final String IGNORED = "ignored";
    static final String JDBC_CONNECT_FAILURES = "jdbcConnectFailures";

    /** Fields of {@code leaks[]}. */
    static final String ID = "id";
    static final String STATUS = "status";
    static final String STATE = "state";
    static final String ORIGIN = "origin";
    static final String LOCAL = "local";
    static final String REMOTE = "remote";
    static final String OPENED_AT = "openedAt";
    static final String CLOSE_WAIT_SINCE = "closeWaitSince";
    static final String CLOSED_AT = "closedAt";
    static final String THREAD = "thread";
    static final String STACK = "stack";
    static final String JDBC = "jdbc";
    /** Added to version 1 in 2026-12 (DESIGN.md): optional for readers. */
    static final String AT_EXIT = "atExit";
    /** {@code summary.dropped}, and the groups of {@code droppedFindings[]} (2026-12, optional for readers). */
    static final String DROPPED = "dropped";
    static final String DROPPED_FINDINGS = "droppedFindings";
    static final String HELD_BY_POOLS = "heldByPools";
    static final String REQUESTED_BY = "requestedBy";
    static final String HELD_BY = "heldBy";
    static final String BORROWED_BY = "borrowedBy";
    static final String DIAGNOSIS = "diagnosis";
    /** Fields of {@code heldBy} and {@code diagnosis}. */
    static final String KIND = "kind";
    static final String LIBRARY = "library";
    static final String NAME = "name";
    static final String IDLE = "idle";
    static final String IDLE_SINCE = "idleSince";
    static final String CAUSE = "cause";
    static final String ADVICE = "advice";

    /** Fields of {@code leaks[].jdbc}. */
    static final String URL = "url";
    static final String USER = "user";
    static final String DRIVER = "driver";
    static final String CONNECTION_CLOSED_AT = "connectionClosedAt";
    static final String CONNECT_ERROR = "connectError";
    static final String ERROR_CODE = "errorCode";
    static final String SQL_STATE = "sqlState";
    static final String MESSAGE = "message";

    /** Fields of {@code jdbcConnectFailures[]} (also {@link #URL}, {@link #USER}). */
    static final String COUNT = "count";
    static final String RECONNECTS = "reconnects";
    static final String LAST_ERROR_CODE = "lastErrorCode";
    static final String LAST_SQL_STATE = "lastSqlState";
    static final String LAST_MESSAGE = "lastMessage";
    static final String LAST_AT = "lastAt";

    /** {@code peersNotClosing[]} (2026-12, optional for readers): also {@link #REMOTE}, {@link #COUNT}, {@link #STACK}. */
    static final String PEERS_NOT_CLOSING = "peersNotClosing";
    static final String ACCEPTED = "accepted";
    static final String HALF_CLOSED = "halfClosed";
    static final String OLDEST_SINCE = "oldestSince";
    /** Optional for readers: a report without it names every peer as seen before. */
    static final String SEEN_BEFORE = "seenBefore";
    static final String OPENED_BY = "openedBy";
    static final String CLOSED_BY = "closedBy";
    static final String SOCKETS = "sockets";
    static final String SINCE = "since";

    /** {@code portPressure[]} (2026-12, optional for readers): also {@link #REMOTE}, {@link #STACK}. */
    static final String PORT_PRESSURE = "portPressure";
    static final String ESTABLISHED = "established";
    static final String CLOSE_WAIT = "closeWait";
    static final String FIN_WAIT_2 = "finWait2";
    static final String TIME_WAIT = "timeWait";
    static final String PORTS_IN_USE = "portsInUse";
    static final String PORT_RANGE = "portRange";
    static final String SHARE = "share";
    static final String OPENS_PER_MINUTE = "opensPerMinute";
    static final String TOP_STACKS = "topStacks";
    static final String WARNING = "warning";

    /** {@code series[]} (2026-12, optional for readers): {@link #REMOTE} and {@code points}, each {@code [epochMillis, closeWait, finWait2]}. */
    static final String SERIES = "series";
    static final String POINTS = "points";

    private ReportFields() {
    }
}
