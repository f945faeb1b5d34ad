package dev.closewait.demo.tds;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A TDS stand-in: a small server on 127.0.0.1 that speaks just enough of Microsoft's TDS protocol
 * (MS-TDS, version 7.4) for the real mssql-jdbc driver to log in, run {@code SELECT 1}, fail a login
 * with error 18456, negotiate session recovery, and lose its session to a KILL. The demo and the
 * tests use it where no SQL Server is available; it is <em>not</em> SQL Server, and it says so: its
 * log lines start with {@value #LOG_PREFIX}, its LOGINACK names the program {@value #PROGRAM_NAME},
 * its errors name the server {@value #SERVER_NAME}.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (TdsStandIn db = new TdsStandIn().setPassword("app", "secret").start()) {
 *     try (Connection c = DriverManager.getConnection(db.jdbcUrl("shop"), "app", "secret")) {
 *         ...
 *     }
 *     db.killSessions("app");          // as KILL <spid> for each of app's sessions
 *     db.rotatePassword("app", "new");  // as ALTER LOGIN app WITH PASSWORD = 'new'
 * }
 * }</pre>
 * The JDBC URL must carry {@code encrypt=false}: the stand-in has no TLS, answers PRELOGIN with
 * "encryption not supported", and mssql-jdbc (whose default is {@code encrypt=true}) refuses such a
 * server unless told not to encrypt. {@link #jdbcUrl(String)} adds it.
 *
 * <h2>What it implements</h2>
 * <ul>
 * <li>PRELOGIN: replies VERSION 16.0 (so the driver speaks TDS 7.4) and ENCRYPTION = NOT_SUP.</li>
 * <li>LOGIN7 with SQL authentication against the logins given to {@link #setPassword}. A known login
 *     with its password gets LOGINACK (TDS 7.4), ENVCHANGE for database, collation
 *     ({@code SQL_Latin1_General_CP1_CI_AS}), language and packet size,
 *     FEATUREEXTACK (acknowledging session recovery, feature 0x01, with empty state when the client
 *     asked for it: mssql-jdbc does when {@code connectRetryCount > 0}), DONE. Any database name is
 *     accepted. Anything else gets ERROR 18456 (state 1, class 14, {@code Login failed for user
 *     '<login>'.}), DONE with the error bit, and the stand-in closes the connection, as SQL Server does.</li>
 * <li>SQL batches: {@code SELECT 1} (any case, spacing, trailing semicolon) returns one unnamed INT
 *     column with one row holding 1. Any other text gets ERROR 50000 (class 16) saying the stand-in
 *     answers only {@code SELECT 1}, and the session stays usable.</li>
 * <li>Attention (cancel): acknowledged with DONE (attention bit). RPC, bulk load and transaction
 *     manager requests: ERROR 50000 naming what is not implemented.</li>
 * <li>Sessions: every accepted connection gets a spid (51, 52, ...); {@link #sessions()} lists the
 *     logged-in ones. {@link #killSessions(String)}, {@link #kill(int)} and {@link #killAll()} close
 *     the server's socket without a reply, as {@code KILL} does: the client's socket receives FIN
 *     and sits in CLOSE_WAIT until the client closes it.</li>
 * <li>Password changes leave live sessions alone, as {@code ALTER LOGIN ... WITH PASSWORD} does.</li>
 * </ul>
 *
 * <h2>What it does not implement</h2>
 * No TLS (neither {@code encrypt=true} nor {@code strict}), no integrated, Kerberos, NTLM or Entra ID
 * authentication, no SQL beyond {@code SELECT 1}, no prepared statements or stored procedures (RPC),
 * no transactions, no MARS, no session state beyond an empty recovery
 * acknowledgement. A connection that sends bytes it cannot read as TDS (for example a TLS handshake,
 * or a message type that makes no sense at that point) is logged and closed.
 *
 * <h2>The leak it lets the demo reproduce</h2>
 * mssql-jdbc negotiates session recovery by default ({@code connectRetryCount=1}). When a connection
 * has been idle for over 15 seconds, the driver checks its socket before the next command; after
 * {@link #killSessions(String)} it reads EOF and reconnects on a new socket, never closing the old one,
 * which stays in CLOSE_WAIT (also after {@code Connection.close()}). If the password was rotated
 * meanwhile ({@link #rotatePassword}), the reconnect fails with 18456 and the application gets an
 * error whose cause chain ends in it. With {@code connectRetryCount=0} the driver closes the dead
 * socket on first use. This stand-in plays the server's part in that story; it matches SQL Server
 * only as far as described here, so confirm findings against a real server where one is available.
 *
 * <h2>Threads and lifecycle</h2>
 * One daemon thread accepts connections, one daemon thread per connection serves it (blocking
 * {@code java.net} sockets; JDK only). {@link #close()} closes the listening socket and every
 * connection and joins all of these threads. All methods are safe to call from any thread.
 */
public final class TdsStandIn implements AutoCloseable {

    /** Starts every log line, so output never passes for a real server's. */
    public static final String LOG_PREFIX = "[TDS stand-in] ";
    /**
     * The program name in LOGINACK. mssql-jdbc reads and drops it: its {@code DatabaseMetaData} names
     * every server "Microsoft SQL Server" and shows only the version, here {@code 16.00.0}.
     */
    public static final String PROGRAM_NAME = "closewait TDS stand-in";
    /** The server name in ERROR tokens. */
    public static final String SERVER_NAME = "tds-stand-in";
    /** Thread names start with this, so tests can check none outlives {@link #close()}. */
    public static final String THREAD_NAME_PREFIX = "tds-stand-in-";

    private static final int FIRST_SPID = 51;
    private static final long JOIN_TIMEOUT_MILLIS = 5_000;

    private final Consumer<String> log;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private final Map<Integer, TdsConversation> conversations = new ConcurrentHashMap<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextSpid = new AtomicInteger(FIRST_SPID);
    private final AtomicInteger loginsSucceeded = new AtomicInteger();
    private final AtomicInteger loginsFailed = new AtomicInteger();
    // Guards start/close against each other and against new conversations during close.
    private final Object lifecycle = new Object();
    private ServerSocket serverSocket;
    private Thread acceptThread;
    private boolean closed;

    /** A stand-in that logs to the {@code java.util.logging} logger named after this class, at INFO. */
    public TdsStandIn() {
        this(Logger.getLogger(TdsStandIn.class.getName())::info);
    }

    /** A stand-in that hands every log line, already prefixed with {@value #LOG_PREFIX}, to {@code log}. */
    public TdsStandIn(Consumer<String> log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Listens on 127.0.0.1 on a port the system picks; see {@link #port()}. */
    public TdsStandIn start() throws IOException {
        return start(0);
    }

    /**
     * Listens on 127.0.0.1:{@code port} ({@code 0}: any free port).
     *
     * @throws IllegalStateException if already started or closed
     */
    public TdsStandIn start(int port) throws IOException {
        synchronized (lifecycle) {
            if (serverSocket != null || closed) {
                throw new IllegalStateException("a TDS stand-in starts once");
            }
            ServerSocket listening = new ServerSocket();
            try {
                listening.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port));
            } catch (IOException e) {
                listening.close();
                throw e;
            }
            serverSocket = listening;
            acceptThread = new Thread(this::acceptConnections, THREAD_NAME_PREFIX + "accept-" + port());
            acceptThread.setDaemon(true);
            acceptThread.start();
        }
        log("listening on 127.0.0.1:" + port() + " (TDS 7.4 without TLS: clients need encrypt=false)");
        return this;
    }

    /** The port it listens on. */
    public int port() {
        synchronized (lifecycle) {
            if (serverSocket == null) {
                throw new IllegalStateException("the TDS stand-in is not started");
            }
            return serverSocket.getLocalPort();
        }
    }

    /**
     * An mssql-jdbc URL for this stand-in, e.g. {@code jdbc:sqlserver://127.0.0.1:54321;databaseName=shop;encrypt=false}.
     * {@code encrypt=false} is required (the stand-in has no TLS); append further properties with {@code ;key=value}.
     */
    public String jdbcUrl(String database) {
        return "jdbc:sqlserver://127.0.0.1:" + port() + ";databaseName=" + database + ";encrypt=false";
    }

    /** Creates {@code login}, or changes its password, like {@code CREATE LOGIN} / {@code ALTER LOGIN}. */
    public TdsStandIn setPassword(String login, String password) {
        passwords.put(Objects.requireNonNull(login, "login"), Objects.requireNonNull(password, "password"));
        return this;
    }

    /**
     * Changes the password of an existing login, as {@code ALTER LOGIN ... WITH PASSWORD}: its live
     * sessions keep running; only the next login (a new connection, or a driver's reconnect) needs it.
     *
     * @throws IllegalArgumentException if there is no such login
     */
    public void rotatePassword(String login, String newPassword) {
        Objects.requireNonNull(newPassword, "newPassword");
        if (passwords.replace(login, newPassword) == null) {
            throw new IllegalArgumentException("the TDS stand-in has no login '" + login
                    + "'; setPassword creates one");
        }
        long live = conversations.values().stream().filter(c -> login.equals(c.login())).count();
        log("password of '" + login + "' rotated; its " + live
                + " live session(s) keep running, as after ALTER LOGIN");
    }

    /** The logged-in sessions, by spid. */
    public List<TdsStandInSession> sessions() {
        List<TdsStandInSession> sessions = new ArrayList<>();
        for (TdsConversation conversation : conversations.values()) {
            if (conversation.login() != null) {
                sessions.add(conversation.describe());
            }
        }
        sessions.sort(Comparator.comparingInt(TdsStandInSession::spid));
        return sessions;
    }

    /** Open client connections, logged in or not yet. */
    public int openConnections() {
        return conversations.size();
    }

    /**
     * Ends every session of {@code login} as {@code KILL} does: the stand-in closes its socket without
     * a reply. Their clients' sockets go to CLOSE_WAIT until the clients close them.
     *
     * @return how many sessions were ended
     */
    public int killSessions(String login) {
        int killed = 0;
        for (TdsConversation conversation : List.copyOf(conversations.values())) {
            if (login.equals(conversation.login()) && kill(conversation)) {
                killed++;
            }
        }
        return killed;
    }

    /**
     * Ends the session with this spid as {@code KILL <spid>} does.
     *
     * @return whether there was such a session
     */
    public boolean kill(int spid) {
        TdsConversation conversation = conversations.get(spid);
        return conversation != null && kill(conversation);
    }

    /**
     * Ends every connection, logged in or not, as {@code KILL} does.
     *
     * @return how many were ended
     */
    public int killAll() {
        int killed = 0;
        for (TdsConversation conversation : List.copyOf(conversations.values())) {
            if (kill(conversation)) {
                killed++;
            }
        }
        return killed;
    }

    /** Logins that got LOGINACK, reconnects included. */
    public int loginsSucceeded() {
        return loginsSucceeded.get();
    }

    /** Logins that got error 18456. */
    public int loginsFailed() {
        return loginsFailed.get();
    }

    /**
     * Stops listening, closes every connection (clients see FIN, as when a server shuts down) and joins
     * every thread the stand-in started. Idempotent.
     */
    @Override
    public void close() {
        ServerSocket listening;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            listening = serverSocket;
        }
        if (listening == null) {
            return;
        }
        try {
            listening.close();
        } catch (IOException e) {
            log("closing the listening socket failed: " + e);
        }
        join(acceptThread);
        int ended = 0;
        for (TdsConversation conversation : List.copyOf(conversations.values())) {
            conversation.end();
            ended++;
        }
        for (Thread thread : List.copyOf(threads)) {
            join(thread);
        }
        log("stopped; " + ended + " connection(s) closed");
    }

    private boolean kill(TdsConversation conversation) {
        // Removed first so sessions() no longer lists it once this method returns.
        if (conversations.remove(conversation.spid(), conversation)) {
            String login = conversation.login();
            conversation.end();
            log("spid " + conversation.spid() + (login == null ? "" : " ('" + login + "')")
                    + " killed: socket closed without a reply, as KILL does");
            return true;
        }
        return false;
    }

    private void acceptConnections() {
        while (true) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                synchronized (lifecycle) {
                    if (!closed) {
                        log("accepting connections failed, no longer listening: " + e);
                    }
                }
                return;
            }
            startConversation(socket);
        }
    }

    private void startConversation(Socket socket) {
        synchronized (lifecycle) {
            if (closed) {
                closeQuietly(socket);
                return;
            }
            try {
                socket.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(socket);
                return;
            }
            int spid = nextSpid.getAndIncrement();
            TdsConversation conversation = new TdsConversation(this, socket, spid);
            conversations.put(spid, conversation);
            Thread thread = new Thread(() -> {
                try {
                    conversation.run();
                } finally {
                    threads.remove(Thread.currentThread());
                }
            }, THREAD_NAME_PREFIX + "spid-" + spid);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void join(Thread thread) {
        try {
            thread.join(JOIN_TIMEOUT_MILLIS);
            if (thread.isAlive()) {
                log("thread " + thread.getName() + " did not stop within " + JOIN_TIMEOUT_MILLIS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing was sent on it; there is nothing to report.
        }
    }

    // Called by conversations.

    /** Why this login may not log in, or {@code null} if it may. */
    String refusalOf(String login, String password) {
        String expected = passwords.get(login);
        if (expected == null) {
            return "no such login";
        }
        return expected.equals(password) ? null : "wrong password";
    }

    void loginSucceeded(TdsConversation conversation, boolean sessionRecovery) {
        loginsSucceeded.incrementAndGet();
        TdsStandInSession session = conversation.describe();
        log("spid " + session.spid() + ": login succeeded for '" + session.login() + "' (database '"
                + session.database() + "'" + (sessionRecovery ? ", session recovery acknowledged" : "") + ")");
    }

    void loginFailed(int spid, String login, String reason) {
        loginsFailed.incrementAndGet();
        log("login failed for '" + login + "' (" + TdsConversation.LOGIN_FAILED + "): " + reason
                + "; spid " + spid + " closes its connection");
    }

    void conversationEnded(TdsConversation conversation) {
        conversations.remove(conversation.spid(), conversation);
    }

    void log(String message) {
        log.accept(LOG_PREFIX + message);
    }
}
