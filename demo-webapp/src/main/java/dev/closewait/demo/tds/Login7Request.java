package dev.closewait.demo.tds;

import java.nio.charset.StandardCharsets;

/**
 * The parts of a LOGIN7 message (MS-TDS 2.2.6.4) the stand-in acts on. Offsets in the fixed part
 * are relative to the start of the LOGIN7 payload; string lengths count UTF-16 characters.
 *
 * @param login the SQL login name
 * @param password the password, de-obfuscated
 * @param database the initial database, empty when the client named none
 * @param packetSize the packet size the client asks for
 * @param sessionRecoveryRequested whether the feature extension block asks for session recovery
 *        (mssql-jdbc does when {@code connectRetryCount > 0}), on first login and on reconnect alike
 * @param hasFeatureExtension whether the client sent a feature extension block at all
 */
record Login7Request(String login, String password, String database, int packetSize,
        boolean sessionRecoveryRequested, boolean hasFeatureExtension) {

    private static final int FIXED_LENGTH = 94;
    private static final int PACKET_SIZE_AT = 8;
    private static final int OPTION_FLAGS3_AT = 27;
    private static final int OPTION3_EXTENSION = 0x10;
    private static final int USER_AT = 40;
    private static final int PASSWORD_AT = 44;
    private static final int EXTENSION_AT = 56;
    private static final int DATABASE_AT = 68;

    /** Parses a LOGIN7 payload; every offset is checked against the message. */
    static Login7Request parse(byte[] payload) throws MalformedTdsException {
        if (payload.length < FIXED_LENGTH) {
            throw new MalformedTdsException("LOGIN7 shorter than its " + FIXED_LENGTH + "-byte fixed part");
        }
        String login = string(payload, USER_AT, "user name");
        String password = password(payload);
        String database = string(payload, DATABASE_AT, "database");
        int packetSize = int4(payload, PACKET_SIZE_AT);
        boolean hasExtension = (payload[OPTION_FLAGS3_AT] & OPTION3_EXTENSION) != 0;
        boolean sessionRecovery = hasExtension && requestsSessionRecovery(payload);
        return new Login7Request(login, password, database, packetSize, sessionRecovery, hasExtension);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "Login7Request[login=" + login + ", database=" + database + ", packetSize=" + packetSize
                + ", sessionRecoveryRequested=" + sessionRecoveryRequested + "]";
    }

    private static String string(byte[] payload, int fieldAt, String what) throws MalformedTdsException {
        int offset = short2(payload, fieldAt);
        int chars = short2(payload, fieldAt + 2);
        checkRange(payload, offset, chars * 2, what);
        return new String(payload, offset, chars * 2, StandardCharsets.UTF_16LE);
    }

    private static String password(byte[] payload) throws MalformedTdsException {
        int offset = short2(payload, PASSWORD_AT);
        int chars = short2(payload, PASSWORD_AT + 2);
        checkRange(payload, offset, chars * 2, "password");
        byte[] clear = new byte[chars * 2];
        for (int i = 0; i < clear.length; i++) {
            // The client swapped nibbles and XORed with 0xA5; undo it in reverse order.
            int b = (payload[offset + i] & 0xFF) ^ 0xA5;
            clear[i] = (byte) (((b & 0x0F) << 4) | (b >>> 4));
        }
        return new String(clear, StandardCharsets.UTF_16LE);
    }

    private static boolean requestsSessionRecovery(byte[] payload) throws MalformedTdsException {
        // ibExtension points at a DWORD that holds the offset of the FeatureExt block.
        int pointerAt = short2(payload, EXTENSION_AT);
        int pointerLength = short2(payload, EXTENSION_AT + 2);
        if (pointerLength < 4) {
            return false;
        }
        checkRange(payload, pointerAt, 4, "feature extension pointer");
        int index = int4(payload, pointerAt);
        while (true) {
            checkRange(payload, index, 1, "feature extension block");
            int feature = payload[index] & 0xFF;
            if (feature == TdsTokenStream.FEATURE_TERMINATOR) {
                return false;
            }
            if (feature == TdsTokenStream.FEATURE_SESSION_RECOVERY) {
                return true;
            }
            checkRange(payload, index + 1, 4, "feature extension length");
            int length = int4(payload, index + 1);
            if (length < 0) {
                throw new MalformedTdsException("LOGIN7 feature " + feature + " has a negative length");
            }
            index += 1 + 4 + length;
        }
    }

    private static void checkRange(byte[] payload, int offset, int length, String what)
            throws MalformedTdsException {
        if (offset < 0 || length < 0 || (long) offset + length > payload.length) {
            throw new MalformedTdsException("LOGIN7 " + what + " lies outside the message");
        }
    }

    private static int short2(byte[] payload, int at) {
        return (payload[at] & 0xFF) | ((payload[at + 1] & 0xFF) << 8);
    }

    private static int int4(byte[] payload, int at) {
        return short2(payload, at) | (short2(payload, at + 2) << 16);
    }
}
