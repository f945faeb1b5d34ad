package dev.closewait.demo.tds;

import static dev.closewait.demo.tds.TdsFraming.hex;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * The stand-in's side of one client connection, run on its own thread: PRELOGIN, LOGIN7, then
 * requests until the client leaves, the session is killed, or the client sends something the
 * stand-in cannot read.
 */
final class TdsConversation implements Runnable {

    static final int LOGIN_FAILED = 18456;
    /** The number SQL Server gives messages raised without one; used for "not implemented here". */
    static final int NOT_IMPLEMENTED = 50000;
    private static final String DEFAULT_DATABASE = "master";
    private static final int SQL_SNIPPET_LENGTH = 200;

    private final TdsStandIn standIn;
    private final Socket socket;
    private final int spid;
    private volatile String login;
    private volatile String database;
    private volatile Instant loggedInAt;
    // Set before the stand-in closes the socket on purpose, so the resulting I/O error is not news.
    private volatile boolean ending;

    TdsConversation(TdsStandIn standIn, Socket socket, int spid) {
        this.standIn = standIn;
        this.socket = socket;
        this.spid = spid;
    }

    int spid() {
        return spid;
    }

    /** The login, or {@code null} before LOGIN7 succeeded. */
    String login() {
        return login;
    }

    TdsStandInSession describe() {
        return new TdsStandInSession(spid, login, database, (InetSocketAddress) socket.getRemoteSocketAddress(),
                loggedInAt);
    }

    /** Closes the socket without a reply, as KILL does: the client sees FIN and its socket goes to CLOSE_WAIT. */
    void end() {
        ending = true;
        try {
            socket.close();
        } catch (IOException e) {
            standIn.log("spid " + spid + ": closing its socket failed: " + e);
        }
    }

    @Override
    public void run() {
        try (socket) {
            TdsFraming framing = new TdsFraming(new BufferedInputStream(socket.getInputStream()),
                    new BufferedOutputStream(socket.getOutputStream()), spid);
            if (prelogin(framing) && login(framing)) {
                serve(framing);
            }
        } catch (MalformedTdsException e) {
            standIn.log("spid " + spid + who() + ": " + e.getMessage() + "; closing the connection");
        } catch (IOException e) {
            if (!ending) {
                standIn.log("spid " + spid + who() + ": connection ended: " + e.getMessage());
            }
        } finally {
            standIn.conversationEnded(this);
        }
    }

    private boolean prelogin(TdsFraming framing) throws IOException {
        TdsFraming.Message message = framing.read();
        if (message == null) {
            return false;
        }
        if (message.type() != TdsFraming.TYPE_PRELOGIN) {
            throw new MalformedTdsException("expected PRELOGIN (0x12), got message type " + hex(message.type()));
        }
        int requested = Prelogin.requestedEncryption(message.payload());
        if (requested == Prelogin.ENCRYPT_ON || requested == Prelogin.ENCRYPT_REQ) {
            standIn.log("spid " + spid + ": the client requires TLS but the TDS stand-in has none;"
                    + " the driver will give up: add encrypt=false to the JDBC URL");
        }
        framing.write(TdsFraming.TYPE_TABULAR_RESULT, Prelogin.reply());
        return true;
    }

    private boolean login(TdsFraming framing) throws IOException {
        TdsFraming.Message message = framing.read();
        if (message == null) {
            return false;
        }
        if (message.type() != TdsFraming.TYPE_LOGIN7) {
            throw new MalformedTdsException("expected LOGIN7 (0x10), got message type " + hex(message.type()));
        }
        Login7Request request = Login7Request.parse(message.payload());
        String refusal = standIn.refusalOf(request.login(), request.password());
        if (refusal != null) {
            byte[] reply = new TdsTokenStream()
                    .error(LOGIN_FAILED, 1, 14, "Login failed for user '" + request.login() + "'.",
                            TdsStandIn.SERVER_NAME)
                    .done(TdsTokenStream.DONE_ERROR, 0, 0)
                    .toByteArray();
            // Counted before the client learns of it, so loginsFailed() includes every refusal a client has seen.
            standIn.loginFailed(spid, request.login(), refusal);
            framing.write(TdsFraming.TYPE_TABULAR_RESULT, reply);
            return false; // run() closes the socket: SQL Server ends a failed login with FIN.
        }
        int packetSize = negotiatedPacketSize(request.packetSize());
        String db = request.database().isEmpty() ? DEFAULT_DATABASE : request.database();
        TdsTokenStream reply = new TdsTokenStream()
                .envChange(TdsTokenStream.ENVCHANGE_DATABASE, db, DEFAULT_DATABASE)
                .envChangeCollation(TdsTokenStream.DEFAULT_COLLATION)
                .envChange(TdsTokenStream.ENVCHANGE_LANGUAGE, "us_english", "")
                .loginAck(TdsStandIn.PROGRAM_NAME, Prelogin.ANNOUNCED_MAJOR, 0, 0)
                .envChange(TdsTokenStream.ENVCHANGE_PACKET_SIZE, Integer.toString(packetSize),
                        Integer.toString(TdsFraming.INITIAL_PACKET_SIZE));
        if (request.hasFeatureExtension()) {
            reply.featureExtAck(request.sessionRecoveryRequested());
        }
        reply.done(TdsTokenStream.DONE_FINAL, 0, 0);
        // Visible to killSessions and counted before the client learns it is in, so no session escapes a
        // kill and loginsSucceeded() includes every login a client has seen succeed.
        login = request.login();
        database = db;
        loggedInAt = Instant.now();
        standIn.loginSucceeded(this, request.sessionRecoveryRequested());
        framing.write(TdsFraming.TYPE_TABULAR_RESULT, reply.toByteArray());
        framing.packetSize(packetSize);
        return true;
    }

    private void serve(TdsFraming framing) throws IOException {
        while (true) {
            TdsFraming.Message message = framing.read();
            if (message == null) {
                standIn.log("spid " + spid + who() + ": the client closed its connection");
                return;
            }
            switch (message.type()) {
                case TdsFraming.TYPE_SQL_BATCH:
                    answerSqlBatch(framing, sqlText(message.payload()));
                    break;
                case TdsFraming.TYPE_ATTENTION:
                    // Every request was answered in full already: acknowledging is all a cancel needs.
                    framing.write(TdsFraming.TYPE_TABULAR_RESULT,
                            new TdsTokenStream().done(TdsTokenStream.DONE_ATTENTION, 0, 0).toByteArray());
                    standIn.log("spid " + spid + who() + ": attention (cancel) acknowledged");
                    break;
                case TdsFraming.TYPE_RPC:
                case TdsFraming.TYPE_BULK_LOAD:
                case TdsFraming.TYPE_TRANSACTION_MANAGER:
                    // Well-framed but not implemented: answer, since closing would leave the client a CLOSE_WAIT.
                    answerNotImplemented(framing, "the TDS stand-in answers only SQL batches with SELECT 1;"
                            + " it does not implement " + requestName(message.type()) + " requests");
                    break;
                default:
                    throw new MalformedTdsException("unexpected message type " + hex(message.type())
                            + " after login");
            }
        }
    }

    private void answerSqlBatch(TdsFraming framing, String sql) throws IOException {
        if (isSelectOne(sql)) {
            byte[] reply = new TdsTokenStream()
                    .int4ColumnMetadata()
                    .int4Row(1)
                    .done(TdsTokenStream.DONE_COUNT, TdsTokenStream.CURCMD_SELECT, 1)
                    .toByteArray();
            framing.write(TdsFraming.TYPE_TABULAR_RESULT, reply);
            return;
        }
        String snippet = sql.length() > SQL_SNIPPET_LENGTH ? sql.substring(0, SQL_SNIPPET_LENGTH) + "…" : sql;
        answerNotImplemented(framing, "the TDS stand-in answers only SELECT 1; it does not run: " + snippet);
    }

    private void answerNotImplemented(TdsFraming framing, String message) throws IOException {
        byte[] reply = new TdsTokenStream()
                .error(NOT_IMPLEMENTED, 1, 16, message, TdsStandIn.SERVER_NAME)
                .done(TdsTokenStream.DONE_ERROR, 0, 0)
                .toByteArray();
        framing.write(TdsFraming.TYPE_TABULAR_RESULT, reply);
        standIn.log("spid " + spid + who() + ": answered error " + NOT_IMPLEMENTED + ": " + message);
    }

    /** The text of a SQL batch: UTF-16LE after the ALL_HEADERS block, whose first DWORD is its own length. */
    private static String sqlText(byte[] payload) throws MalformedTdsException {
        if (payload.length < 4) {
            throw new MalformedTdsException("SQL batch without ALL_HEADERS");
        }
        long headersLength = (payload[0] & 0xFFL) | (payload[1] & 0xFFL) << 8 | (payload[2] & 0xFFL) << 16
                | (payload[3] & 0xFFL) << 24;
        if (headersLength < 4 || headersLength > payload.length || (payload.length - headersLength) % 2 != 0) {
            throw new MalformedTdsException("SQL batch with a broken ALL_HEADERS length " + headersLength);
        }
        int start = (int) headersLength;
        return new String(payload, start, payload.length - start, StandardCharsets.UTF_16LE);
    }

    static boolean isSelectOne(String sql) {
        String normalized = sql.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        while (normalized.endsWith(";")) {
            normalized = normalized.substring(0, normalized.length() - 1).strip();
        }
        return normalized.equals("select 1");
    }

    private static int negotiatedPacketSize(int requested) {
        // 0 means "the server's default"; SQL Server clamps the rest to 512..32767.
        if (requested == 0) {
            return TdsFraming.INITIAL_PACKET_SIZE;
        }
        return Math.max(512, Math.min(TdsFraming.MAX_PACKET_SIZE, requested));
    }

    private static String requestName(int type) {
        switch (type) {
            case TdsFraming.TYPE_RPC:
                return "RPC (prepared statement and stored procedure)";
            case TdsFraming.TYPE_BULK_LOAD:
                return "bulk load";
            case TdsFraming.TYPE_TRANSACTION_MANAGER:
                return "transaction manager";
            default:
                return "type " + hex(type);
        }
    }

    private String who() {
        String current = login;
        return current == null ? "" : " ('" + current + "')";
    }
}
