package dev.closewait.demo.tds;

/**
 * The PRELOGIN exchange (MS-TDS 2.2.6.5): reads the encryption level the client asks for and writes
 * the stand-in's answer, which always says encryption is not supported.
 */
final class Prelogin {

    static final int OPTION_VERSION = 0x00;
    static final int OPTION_ENCRYPTION = 0x01;
    static final int OPTION_TERMINATOR = 0xFF;

    static final int ENCRYPT_OFF = 0x00;
    static final int ENCRYPT_ON = 0x01;
    static final int ENCRYPT_NOT_SUP = 0x02;
    static final int ENCRYPT_REQ = 0x03;

    /**
     * The version the stand-in announces. A major version of 11 or more makes mssql-jdbc speak TDS 7.4;
     * 16 is the protocol level of current servers. It describes the protocol, not a product.
     */
    static final int ANNOUNCED_MAJOR = 16;

    private Prelogin() {
    }

    /**
     * The ENCRYPTION option of a client's PRELOGIN payload.
     *
     * @throws MalformedTdsException when the option table is broken or has no ENCRYPTION option
     */
    static int requestedEncryption(byte[] payload) throws MalformedTdsException {
        int index = 0;
        while (index < payload.length) {
            int option = payload[index] & 0xFF;
            if (option == OPTION_TERMINATOR) {
                break;
            }
            if (index + 5 > payload.length) {
                throw new MalformedTdsException("PRELOGIN option table is truncated");
            }
            int offset = ((payload[index + 1] & 0xFF) << 8) | (payload[index + 2] & 0xFF);
            int length = ((payload[index + 3] & 0xFF) << 8) | (payload[index + 4] & 0xFF);
            if (offset + length > payload.length) {
                throw new MalformedTdsException("PRELOGIN option " + option + " points past the message");
            }
            if (option == OPTION_ENCRYPTION && length >= 1) {
                return payload[offset] & 0xFF;
            }
            index += 5;
        }
        throw new MalformedTdsException("PRELOGIN without an ENCRYPTION option");
    }

    /** The reply payload: VERSION {@value #ANNOUNCED_MAJOR}.0.0.0 and ENCRYPTION = NOT_SUP. */
    static byte[] reply() {
        int tableLength = 5 + 5 + 1;
        byte[] payload = new byte[tableLength + 6 + 1];
        int versionOffset = tableLength;
        int encryptionOffset = tableLength + 6;
        writeOption(payload, 0, OPTION_VERSION, versionOffset, 6);
        writeOption(payload, 5, OPTION_ENCRYPTION, encryptionOffset, 1);
        payload[10] = (byte) OPTION_TERMINATOR;
        payload[versionOffset] = (byte) ANNOUNCED_MAJOR; // then minor 0, build 0, sub-build 0
        payload[encryptionOffset] = (byte) ENCRYPT_NOT_SUP;
        return payload;
    }

    private static void writeOption(byte[] payload, int at, int option, int offset, int length) {
        payload[at] = (byte) option;
        payload[at + 1] = (byte) (offset >>> 8);
        payload[at + 2] = (byte) offset;
        payload[at + 3] = (byte) (length >>> 8);
        payload[at + 4] = (byte) length;
    }
}
