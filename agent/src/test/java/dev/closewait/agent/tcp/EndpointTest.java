package dev.closewait.agent.tcp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointTest {

    @Test
    void printsIpv4AsAddressColonPort() throws UnknownHostException {
        assertEquals("127.0.0.1:5432", Endpoint.of(InetAddress.getByName("127.0.0.1"), 5432).toString());
        assertEquals("255.255.255.255:65535", Endpoint.of(new byte[] {-1, -1, -1, -1}, 65535).toString());
        assertEquals("0.0.0.0:0", Endpoint.of(new byte[4], 0).toString());
    }

    @Test
    void printsIpv6InBracketsBeforeThePort() throws UnknownHostException {
        Endpoint loopback = Endpoint.of(InetAddress.getByName("::1"), 5432);

        assertEquals("[::1]:5432", loopback.toString());
        assertEquals("::1", loopback.host());
    }

    /** RFC 5952, section 4: lower case, no leading zeros, the longest run (the first of equals) of 2+ zero groups. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "fe80:0000:0000:0000:0001:0000:0000:0001, fe80::1:0:0:1",
            "2001:0db8:0000:0001:0001:0001:0001:0001, 2001:db8:0:1:1:1:1:1",
            "2001:0db8:0000:0000:0001:0000:0000:0001, 2001:db8::1:0:0:1",
            "2001:0000:0000:0001:0000:0000:0000:0001, 2001:0:0:1::1",
            "0000:0000:0000:0000:0000:0000:0000:0000, ::",
            "0000:0000:0000:0000:0000:0000:0000:0001, ::1",
            "2001:0db8:0000:0000:0000:0000:0000:0000, 2001:db8::",
            "2001:0DB8:00AA:BBBB:0000:0000:0C00:0001, 2001:db8:aa:bbbb::c00:1",
            "0000:0000:0000:0000:0000:0000:7f00:0001, ::7f00:1",
            "0001:0002:0003:0004:0005:0006:0007:0008, 1:2:3:4:5:6:7:8",
    })
    void printsIpv6InRfc5952Form(String full, String expected) throws UnknownHostException {
        Endpoint endpoint = Endpoint.of(InetAddress.getByName(full), 443);

        assertEquals(expected, endpoint.host());
        assertEquals("[" + expected + "]:443", endpoint.toString());
        assertEquals(endpoint, Endpoint.of(InetAddress.getByName(expected), 443), "the short form names the same endpoint");
    }

    @Test
    void storesIpv4MappedIpv6AsIpv4() {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1};
        Endpoint fromMapped = Endpoint.of(mapped, 5432);
        Endpoint ipv4 = Endpoint.of(new byte[] {127, 0, 0, 1}, 5432);

        assertEquals(ipv4, fromMapped);
        assertEquals(ipv4.hashCode(), fromMapped.hashCode());
        assertEquals("127.0.0.1:5432", fromMapped.toString());
        assertFalse(fromMapped.isIpv6());
        assertTrue(fromMapped.inetAddress() instanceof Inet4Address);
    }

    @Test
    void keepsAddressesThatOnlyLookLikeMappedOnesAsIpv6() {
        // IPv4-compatible (::127.0.0.1, deprecated) and almost-mapped (::fffe:...) are different addresses.
        byte[] compatible = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1};
        byte[] almostMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFE, 127, 0, 0, 1};
        byte[] nonZeroPrefix = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1};
        Endpoint ipv4 = Endpoint.of(new byte[] {127, 0, 0, 1}, 80);

        for (byte[] address : new byte[][] {compatible, almostMapped, nonZeroPrefix}) {
            Endpoint endpoint = Endpoint.of(address, 80);
            assertTrue(endpoint.isIpv6(), endpoint.toString());
            assertNotEquals(ipv4, endpoint);
        }
        assertEquals("[::7f00:1]:80", Endpoint.of(compatible, 80).toString());
    }

    @Test
    void isEqualForSameAddressAndPortOnly() throws UnknownHostException {
        Endpoint a = Endpoint.of(InetAddress.getByName("10.0.0.1"), 5432);
        Endpoint same = Endpoint.of(new byte[] {10, 0, 0, 1}, 5432);
        Endpoint otherPort = Endpoint.of(new byte[] {10, 0, 0, 1}, 5433);
        Endpoint otherAddress = Endpoint.of(new byte[] {10, 0, 0, 2}, 5432);
        Endpoint ipv6 = Endpoint.of(InetAddress.getByName("::a00:1"), 5432);

        assertEquals(a, same);
        assertEquals(a.hashCode(), same.hashCode());
        assertNotEquals(a, otherPort);
        assertNotEquals(a, otherAddress);
        assertNotEquals(a, ipv6);
        assertNotEquals(a, null);
        assertNotEquals(a, (Object) "10.0.0.1:5432");
    }

    @Test
    void ignoresTheScopeOfALinkLocalAddress() throws UnknownHostException {
        byte[] bytes = InetAddress.getByName("fe80::1").getAddress();
        Endpoint scoped = Endpoint.of(Inet6Address.getByAddress(null, bytes, 12), 631);

        assertEquals(Endpoint.of(bytes, 631), scoped);
        assertEquals("[fe80::1]:631", scoped.toString());
    }

    @Test
    void copiesTheAddressBytes() {
        byte[] bytes = {10, 0, 0, 1};
        Endpoint endpoint = Endpoint.of(bytes, 80);

        bytes[3] = 99;

        assertEquals("10.0.0.1:80", endpoint.toString());
        endpoint.inetAddress().getAddress()[3] = 42;
        assertEquals("10.0.0.1:80", endpoint.toString());
    }

    @Test
    void copiesTheBytesOfAnIpv6Address() throws UnknownHostException {
        byte[] bytes = InetAddress.getByName("2001:db8::7").getAddress();
        Endpoint endpoint = Endpoint.of(bytes, 80);

        bytes[15] = 9;

        assertEquals("[2001:db8::7]:80", endpoint.toString());
    }

    /** Maps and sets of endpoints iterate in hash order: the compact form hashes as the bytes always did. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"127.0.0.1", "255.255.255.255", "10.200.0.129", "0.0.0.0", "::1", "2001:db8::ff:7", "fe80::1"})
    void hashesAsItsAddressBytesAndPort(String address) throws UnknownHostException {
        byte[] bytes = InetAddress.getByName(address).getAddress();

        assertEquals(31 * java.util.Arrays.hashCode(bytes) + 5432, Endpoint.of(bytes, 5432).hashCode());
    }

    @Test
    void makesTheSameIpv4EndpointFromAnIntAsFromItsBytes() {
        Endpoint fromInt = Endpoint.ofIpv4(0xC0A8FF81, 443);
        Endpoint fromBytes = Endpoint.of(new byte[] {(byte) 192, (byte) 168, (byte) 255, (byte) 129}, 443);

        assertEquals(fromBytes, fromInt);
        assertEquals(fromBytes.hashCode(), fromInt.hashCode());
        assertEquals("192.168.255.129:443", fromInt.toString());
        assertEquals("192.168.255.129", fromInt.inetAddress().getHostAddress());
        assertFalse(fromInt.isIpv6());
    }

    @Test
    void returnsTheAddressAndPortItWasMadeOf() throws UnknownHostException {
        InetAddress address = InetAddress.getByName("2001:db8::7");
        Endpoint endpoint = Endpoint.of(address, 8443);

        assertEquals(address, endpoint.inetAddress());
        assertEquals(8443, endpoint.port());
        assertTrue(endpoint.isIpv6());
    }

    @Test
    void rejectsAddressesThatAreNeitherFourNorSixteenBytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(new byte[5], 80));

        assertTrue(e.getMessage().contains("5"), e.getMessage());
    }
}
