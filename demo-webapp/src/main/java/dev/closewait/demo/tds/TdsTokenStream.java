package dev.closewait.demo.tds;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The token stream of one reply (a TABULAR RESULT message), written token by token in the layouts
 * of MS-TDS 2.2.7 for TDS 7.4. Integers are little-endian unless a method says otherwise.
 */
final class TdsTokenStream {

    static final int DONE_FINAL = 0x0000;
    static final int DONE_ERROR = 0x0002;
    static final int DONE_COUNT = 0x0010;
    static final int DONE_ATTENTION = 0x0020;
    /** DONE's CurCmd for a SELECT, as SQL Server reports it. */
    static final int CURCMD_SELECT = 0x00C1;

    static final int ENVCHANGE_DATABASE = 1;
    static final int ENVCHANGE_LANGUAGE = 2;
    static final int ENVCHANGE_PACKET_SIZE = 4;
    static final int ENVCHANGE_SQL_COLLATION = 7;
    /** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409 with flags 0xD0, sort id 52; string parameters need one. */
    static final byte[] DEFAULT_COLLATION = {0x09, 0x04, (byte) 0xD0, 0x00, 0x34};

    static final int FEATURE_SESSION_RECOVERY = 0x01;
    static final int FEATURE_TERMINATOR = 0xFF;

    /** TDS 7.4, big-endian in LOGINACK. */
    static final int TDS_VERSION_7_4 = 0x74000004;

    private static final int TOKEN_COLMETADATA = 0x81;
    private static final int TOKEN_ERROR = 0xAA;
    private static final int TOKEN_LOGINACK = 0xAD;
    private static final int TOKEN_FEATUREEXTACK = 0xAE;
    private static final int TOKEN_ROW = 0xD1;
    private static final int TOKEN_ENVCHANGE = 0xE3;
    private static final int TOKEN_DONE = 0xFD;
    private static final int TYPE_INT4 = 0x38;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);

    /** LOGINACK: interface SQL, the TDS version, a program name, and a 4-byte server version. */
    TdsTokenStream loginAck(String programName, int major, int minor, int build) {
        programName = bVarCharText(programName);
        byte[] name = utf16(programName);
        byte1(TOKEN_LOGINACK);
        short2(1 + 4 + 1 + name.length + 4);
        byte1(1);
        int4BigEndian(TDS_VERSION_7_4);
        byte1(programName.length());
        bytes.writeBytes(name);
        byte1(major);
        byte1(minor);
        byte1(build >>> 8);
        byte1(build);
        return this;
    }

    /** An ENVCHANGE whose new and old values are B_VARCHAR strings (database, language, packet size). */
    TdsTokenStream envChange(int type, String newValue, String oldValue) {
        newValue = bVarCharText(newValue);
        oldValue = bVarCharText(oldValue);
        byte[] newBytes = utf16(newValue);
        byte[] oldBytes = utf16(oldValue);
        byte1(TOKEN_ENVCHANGE);
        short2(1 + 1 + newBytes.length + 1 + oldBytes.length);
        byte1(type);
        byte1(newValue.length());
        bytes.writeBytes(newBytes);
        byte1(oldValue.length());
        bytes.writeBytes(oldBytes);
        return this;
    }

    /** An ENVCHANGE announcing the database collation: new value a B_VARBYTE, old value empty. */
    TdsTokenStream envChangeCollation(byte[] collation) {
        byte1(TOKEN_ENVCHANGE);
        short2(1 + 1 + collation.length + 1);
        byte1(ENVCHANGE_SQL_COLLATION);
        byte1(collation.length);
        bytes.writeBytes(collation);
        byte1(0);
        return this;
    }

    /** FEATUREEXTACK; acknowledges session recovery with empty initial state when asked to. */
    TdsTokenStream featureExtAck(boolean sessionRecovery) {
        byte1(TOKEN_FEATUREEXTACK);
        if (sessionRecovery) {
            byte1(FEATURE_SESSION_RECOVERY);
            int4(0);
        }
        byte1(FEATURE_TERMINATOR);
        return this;
    }

    /** An ERROR token; the driver turns it into a SQLException with this number as its error code. */
    TdsTokenStream error(int number, int state, int severity, String message, String serverName) {
        // SQL Server's messages stop at 2047 characters; the token's own length is only 16 bits.
        message = message.length() > 2047 ? message.substring(0, 2047) : message;
        serverName = bVarCharText(serverName);
        byte[] text = utf16(message);
        byte[] server = utf16(serverName);
        byte1(TOKEN_ERROR);
        short2(4 + 1 + 1 + 2 + text.length + 1 + server.length + 1 + 4);
        int4(number);
        byte1(state);
        byte1(severity);
        short2(message.length());
        bytes.writeBytes(text);
        byte1(serverName.length());
        bytes.writeBytes(server);
        byte1(0); // no procedure name
        int4(1); // line number
        return this;
    }

    /** COLMETADATA for one unnamed, non-nullable INT column. */
    TdsTokenStream int4ColumnMetadata() {
        byte1(TOKEN_COLMETADATA);
        short2(1); // column count
        int4(0); // user type
        short2(0); // flags
        byte1(TYPE_INT4);
        byte1(0); // empty column name
        return this;
    }

    /** A ROW holding one INT. */
    TdsTokenStream int4Row(int value) {
        byte1(TOKEN_ROW);
        int4(value);
        return this;
    }

    /** DONE: status bits, the current command, and a 64-bit row count. */
    TdsTokenStream done(int status, int currentCommand, long rowCount) {
        byte1(TOKEN_DONE);
        short2(status);
        short2(currentCommand);
        int4((int) rowCount);
        int4((int) (rowCount >>> 32));
        return this;
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }

    private void byte1(int value) {
        bytes.write(value);
    }

    private void short2(int value) {
        bytes.write(value);
        bytes.write(value >>> 8);
    }

    private void int4(int value) {
        short2(value);
        short2(value >>> 16);
    }

    private void int4BigEndian(int value) {
        bytes.write(value >>> 24);
        bytes.write(value >>> 16);
        bytes.write(value >>> 8);
        bytes.write(value);
    }

    /** B_VARCHAR counts characters in one byte. */
    private static String bVarCharText(String text) {
        return text.length() > 0xFF ? text.substring(0, 0xFF) : text;
    }

    private static byte[] utf16(String text) {
        return text.getBytes(StandardCharsets.UTF_16LE);
    }
}
