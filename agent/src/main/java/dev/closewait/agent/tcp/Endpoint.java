package dev.closewait.agent.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address and a port, compared by value. IPv4-mapped IPv6 addresses are stored as IPv4,
 * so a dual-stack socket's kernel entry ({@code ::ffff:127.0.0.1}) equals the address Java reports.
 * Prints as {@code 127.0.0.1:5432} or {@code [::1]:5432}.
 *
 * <p>Every tracked socket holds one and every row of the kernel's table two, so an IPv4 address is
 * kept in an {@code int} (24 bytes in all, where an array of 4 bytes would add 24 more); only an
 * IPv6 address has an array.
 */
public final class Endpoint {

    /** The IPv4 address, big-endian; 0 for an IPv6 address. */
    private final int ipv4;
    /** The 16 bytes of an IPv6 address; {@code null} for an IPv4 one. */
    private final byte[] ipv6;
    private final int port;

    private Endpoint(int ipv4, byte[] ipv6, int port) {
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.port = port;
    }

    /** An endpoint from raw address bytes (4 or 16 of them); IPv4-mapped IPv6 becomes IPv4. */
    public static Endpoint of(byte[] address, int port) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        return ofRaw(address, port, true);
    }

    /** An endpoint from a Java address. */
    public static Endpoint of(InetAddress address, int port) {
        return ofRaw(address.getAddress(), port, false); // a fresh copy already: an IPv6 one is kept as it is
    }

    /** An IPv4 endpoint from its address, big-endian in an {@code int}. */
    public static Endpoint ofIpv4(int address, int port) {
        return new Endpoint(address, null, port);
    }

    /** An endpoint from the 16 bytes of an IPv6 address that is not IPv4-mapped, kept as they are. */
    static Endpoint ofIpv6(byte[] address, int port) {
        return new Endpoint(0, address, port);
    }

    private static Endpoint ofRaw(byte[] address, int port, boolean copy) {
        if (address.length == 4) {
            return new Endpoint(int32(address, 0), null, port);
        }
        if (isIpv4Mapped(address)) {
            return new Endpoint(int32(address, 12), null, port);
        }
        return new Endpoint(0, copy ? address.clone() : address, port);
    }

    /** Whether these 16 bytes are an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}). */
    static boolean isIpv4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private static int int32(byte[] a, int at) {
        return (a[at] & 0xFF) << 24 | (a[at + 1] & 0xFF) << 16 | (a[at + 2] & 0xFF) << 8 | a[at + 3] & 0xFF;
    }

    /**
     * The endpoint written as {@link #toString()} writes it: {@code 127.0.0.1:5432} or
     * {@code [::1]:5432}. Only IP literals, never a name to look up.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        boolean bracketed = text.startsWith("[") && colon > 0 && text.charAt(colon - 1) == ']';
        String host = bracketed ? text.substring(1, colon - 1) : colon < 0 ? "" : text.substring(0, colon);
        boolean literal = bracketed ? host.matches("[0-9A-Fa-f:.]+") && host.indexOf(':') >= 0
                : host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException notAPort) {
            port = -1;
        }
        if (!literal || port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' is not an endpoint (ip:port, or [ipv6]:port)");
        }
        try {
            return of(InetAddress.getByName(host), port);
        } catch (UnknownHostException notAnAddress) {
            throw new IllegalArgumentException("'" + text + "' is not an endpoint: " + notAnAddress.getMessage());
        }
    }

    /** The port. */
    public int port() {
        return port;
    }

    /** The same address with port 0: a client host, whichever port it connects from. */
    public Endpoint anyPort() {
        return port == 0 ? this : new Endpoint(ipv4, ipv6, 0);
    }

    /** Whether this is an IPv6 address (after unmapping IPv4-mapped ones). */
    public boolean isIpv6() {
        return ipv6 != null;
    }

    /** The address as a Java {@link InetAddress}. */
    public InetAddress inetAddress() {
        try {
            return InetAddress.getByAddress(address());
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The address alone: {@code 127.0.0.1} or {@code ::1}. */
    public String host() {
        return ipv6 == null ? ipv4Text(ipv4) : ipv6Text(ipv6);
    }

    /** The address's bytes: 4 or 16, a fresh copy. */
    private byte[] address() {
        return ipv6 == null ? new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4}
                : ipv6.clone();
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Endpoint)) {
            return false;
        }
        Endpoint that = (Endpoint) other;
        return port == that.port && ipv4 == that.ipv4 && Arrays.equals(ipv6, that.ipv6);
    }

    /** {@code 31 * Arrays.hashCode(addressBytes) + port}, as it always was: maps of endpoints keep their order. */
    @Override
    public int hashCode() {
        if (ipv6 != null) {
            return 31 * Arrays.hashCode(ipv6) + port;
        }
        int h = 1;
        for (int shift = 24; shift >= 0; shift -= 8) {
            h = 31 * h + (byte) (ipv4 >>> shift);
        }
        return 31 * h + port;
    }

    @Override
    public String toString() {
        return ipv6 == null ? host() + ":" + port : "[" + host() + "]:" + port;
    }

    private static String ipv4Text(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    private static String ipv6Text(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
