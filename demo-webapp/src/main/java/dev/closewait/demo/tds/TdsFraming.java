package dev.closewait.demo.tds;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads and writes TDS messages on one connection: a message is one or more packets, each with an
 * 8-byte header (type, status, big-endian length, spid, packet id, window); the last packet has the
 * end-of-message status bit.
 */
final class TdsFraming {

    static final int HEADER_LENGTH = 8;
    static final int STATUS_END_OF_MESSAGE = 0x01;
    /** The TDS packet size before LOGIN7 negotiates another one. */
    static final int INITIAL_PACKET_SIZE = 4096;
    static final int MAX_PACKET_SIZE = 32767;
    /** Far above anything the stand-in's clients send; bounds memory when a peer sends garbage. */
    static final int MAX_MESSAGE_LENGTH = 1 << 20;

    /** Client-to-server message types (MS-TDS 2.2.3.1.1) and the one reply type. */
    static final int TYPE_SQL_BATCH = 0x01;
    static final int TYPE_PRE_TDS7_LOGIN = 0x02;
    static final int TYPE_RPC = 0x03;
    static final int TYPE_TABULAR_RESULT = 0x04;
    static final int TYPE_ATTENTION = 0x06;
    static final int TYPE_BULK_LOAD = 0x07;
    static final int TYPE_FEDAUTH_TOKEN = 0x08;
    static final int TYPE_TRANSACTION_MANAGER = 0x0E;
    static final int TYPE_LOGIN7 = 0x10;
    static final int TYPE_SSPI = 0x11;
    static final int TYPE_PRELOGIN = 0x12;
    /** First byte of a TLS record: what a client with {@code encrypt=strict} sends first. */
    static final int TLS_HANDSHAKE_RECORD = 0x16;

    /** One complete message: its type and the concatenated payload of its packets. */
    record Message(int type, byte[] payload) {
    }

    private final InputStream in;
    private final OutputStream out;
    private final int spid;
    private int packetSize = INITIAL_PACKET_SIZE;
    private int nextPacketId = 1;

    TdsFraming(InputStream in, OutputStream out, int spid) {
        this.in = in;
        this.out = out;
        this.spid = spid;
    }

    /** The size replies are split at, as negotiated by LOGIN7 and confirmed by ENVCHANGE. */
    void packetSize(int size) {
        this.packetSize = size;
    }

    /**
     * The next message, or {@code null} when the client closed the connection between messages.
     *
     * @throws MalformedTdsException when the bytes are not TDS framing
     * @throws EOFException when the connection ended inside a message
     */
    Message read() throws IOException {
        byte[] header = new byte[HEADER_LENGTH];
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int type = -1;
        while (true) {
            int first = in.read();
            if (first < 0) {
                if (type < 0) {
                    return null;
                }
                throw new EOFException("connection ended inside a message of type " + hex(type));
            }
            header[0] = (byte) first;
            readFully(header, 1, HEADER_LENGTH - 1);
            int packetType = header[0] & 0xFF;
            int status = header[1] & 0xFF;
            int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            if (type < 0 && packetType == TLS_HANDSHAKE_RECORD) {
                throw new MalformedTdsException("the client opened with a TLS handshake (encrypt=strict?);"
                        + " the TDS stand-in has no TLS: use encrypt=false");
            }
            if (type >= 0 && packetType != type) {
                throw new MalformedTdsException("packet type " + hex(packetType) + " inside a message of type "
                        + hex(type));
            }
            if (length < HEADER_LENGTH || length > MAX_PACKET_SIZE) {
                throw new MalformedTdsException("packet length " + length + " out of range");
            }
            type = packetType;
            if (payload.size() + length - HEADER_LENGTH > MAX_MESSAGE_LENGTH) {
                throw new MalformedTdsException("message longer than " + MAX_MESSAGE_LENGTH + " bytes");
            }
            byte[] body = new byte[length - HEADER_LENGTH];
            readFully(body, 0, body.length);
            payload.write(body, 0, body.length);
            if ((status & STATUS_END_OF_MESSAGE) != 0) {
                return new Message(type, payload.toByteArray());
            }
        }
    }

    /** Sends a message, split into packets no longer than the negotiated packet size. */
    void write(int type, byte[] payload) throws IOException {
        int chunk = packetSize - HEADER_LENGTH;
        int offset = 0;
        do {
            int length = Math.min(chunk, payload.length - offset);
            boolean last = offset + length == payload.length;
            int total = length + HEADER_LENGTH;
            byte[] packet = new byte[total];
            packet[0] = (byte) type;
            packet[1] = (byte) (last ? STATUS_END_OF_MESSAGE : 0);
            packet[2] = (byte) (total >>> 8);
            packet[3] = (byte) total;
            packet[4] = (byte) (spid >>> 8);
            packet[5] = (byte) spid;
            packet[6] = (byte) nextPacketId;
            packet[7] = 0;
            nextPacketId = (nextPacketId + 1) & 0xFF;
            System.arraycopy(payload, offset, packet, HEADER_LENGTH, length);
            out.write(packet);
            offset += length;
        } while (offset < payload.length);
        out.flush();
    }

    private void readFully(byte[] buffer, int offset, int length) throws IOException {
        while (length > 0) {
            int n = in.read(buffer, offset, length);
            if (n < 0) {
                throw new EOFException("connection ended inside a packet");
            }
            offset += n;
            length -= n;
        }
    }

    static String hex(int type) {
        return String.format("0x%02X", type);
    }
}
