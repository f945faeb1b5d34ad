package dev.closewait.agent.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address and a port, compared by value. IPv4-mapped IPv6 addresses are stored as IPv4,
 * so a dual-stack socket's kernel entry ({@code ::ffff:127.0.0.1}) equals the address Java reports.
 * Prints as {@code 127.0.0.1:5432} or {@code [::1]:5432}.
 */
public final class Endpoint {

    private final byte[] address;
    private final int port;
    private final int hash;

    private Endpoint(byte[] address, int port) {
        this.address = address;
        this.port = port;
        this.hash = 31 * Arrays.hashCode(address) + port;
    }

    /** An endpoint from raw address bytes (4 or 16 of them); IPv4-mapped IPv6 becomes IPv4. */
    public static Endpoint of(byte[] address, int port) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        return new Endpoint(isIpv4Mapped(address) ? Arrays.copyOfRange(address, 12, 16) : address.clone(), port);
    }

    /** An endpoint from a Java address. */
    public static Endpoint of(InetAddress address, int port) {
        byte[] raw = address.getAddress(); // a fresh copy already: kept as it is (this runs in every connect)
        return new Endpoint(isIpv4Mapped(raw) ? Arrays.copyOfRange(raw, 12, 16) : raw, port);
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
        return port == 0 ? this : new Endpoint(address, 0);
    }

    /** Whether this is an IPv6 address (after unmapping IPv4-mapped ones). */
    public boolean isIpv6() {
        return address.length == 16;
    }

    /** The address as a Java {@link InetAddress}. */
    public InetAddress inetAddress() {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The address alone: {@code 127.0.0.1} or {@code ::1}. */
    public String host() {
        return address.length == 4 ? ipv4(address) : ipv6(address);
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
        return port == that.port && Arrays.equals(address, that.address);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return address.length == 4 ? host() + ":" + port : "[" + host() + "]:" + port;
    }

    private static boolean isIpv4Mapped(byte[] a) {
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

    private static String ipv4(byte[] a) {
        return (a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[3] & 0xFF);
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    private static String ipv6(byte[] a) {
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
