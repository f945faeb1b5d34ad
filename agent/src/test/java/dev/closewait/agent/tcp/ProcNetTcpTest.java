package dev.closewait.agent.tcp;

import dev.closewait.agent.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ProcNetTcp}: the parser of Linux's {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 *
 * <p>Fixtures under {@code proc/}: {@code tcp-captured.txt} and {@code tcp6-captured.txt} were captured on
 * an x86-64 Linux 6.18 machine while a small program held loopback connections in LISTEN, ESTABLISHED,
 * CLOSE_WAIT, FIN_WAIT2 and TIME_WAIT (IPv4, IPv6 {@code ::1} and IPv4-mapped on a dual-stack listener);
 * the other files were written by hand in the kernel's row format. The expected rows below were decoded
 * independently (Python's {@code ipaddress}), not with the code under test.
 */
class ProcNetTcpTest {

    private static final Set<TcpState> ALL = EnumSet.allOf(TcpState.class);

    @BeforeAll
    static void fixturesAreInLittleEndianHostOrder() {
        // The fixtures hold addresses as an x86 kernel prints them; the parser decodes host order.
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "the /proc fixtures were recorded on a little-endian machine");
    }

    @Test
    void parsesEveryRowOfACapturedIpv4Table() {
        assertEquals(List.of(
                "127.0.0.1:6379 0.0.0.0:0 LISTEN 4752",
                "127.0.0.1:4369 0.0.0.0:0 LISTEN 6410",
                "127.0.0.1:4222 0.0.0.0:0 LISTEN 5994",
                "127.0.0.1:5432 0.0.0.0:0 LISTEN 3915",
                "127.0.0.1:5672 0.0.0.0:0 LISTEN 7425",
                "127.0.0.1:3306 0.0.0.0:0 LISTEN 10111",
                "127.0.0.1:33661 0.0.0.0:0 LISTEN 16637",
                "127.0.0.1:1883 0.0.0.0:0 LISTEN 5878",
                "0.0.0.0:2024 0.0.0.0:0 LISTEN 1661",
                "127.0.0.1:25672 0.0.0.0:0 LISTEN 6639",
                "127.0.0.1:33661 127.0.0.1:37614 TIME_WAIT 0",
                "127.0.0.1:49860 127.0.0.1:4369 ESTABLISHED 6641",
                "127.0.0.1:58700 127.0.0.1:4369 TIME_WAIT 0",
                "127.0.0.1:4369 127.0.0.1:58698 TIME_WAIT 0",
                "127.0.0.1:37604 127.0.0.1:33661 ESTABLISHED 16638",
                "127.0.0.1:37608 127.0.0.1:33661 CLOSE_WAIT 16640",
                "192.0.2.2:47462 203.0.113.80:443 TIME_WAIT 0",
                "192.0.2.2:47468 203.0.113.80:443 TIME_WAIT 0",
                "192.0.2.2:47478 203.0.113.80:443 TIME_WAIT 0",
                "127.0.0.1:33661 127.0.0.1:37608 FIN_WAIT2 0",
                "127.0.0.1:59912 127.0.0.1:45321 ESTABLISHED 16650",
                "127.0.0.1:59928 127.0.0.1:45321 FIN_WAIT2 0",
                "127.0.0.1:33661 127.0.0.1:37604 ESTABLISHED 16639",
                "127.0.0.1:4369 127.0.0.1:49860 ESTABLISHED 7195"),
                rows(parseAll("proc/tcp-captured.txt")));
    }

    @Test
    void parsesEveryRowOfACapturedIpv6TableUnmappingIpv4MappedAddresses() {
        assertEquals(List.of(
                "[::]:45321 [::]:0 LISTEN 16649",
                "[::1]:6379 [::]:0 LISTEN 4753",
                "[::1]:55031 [::]:0 LISTEN 16644",
                "[::1]:4369 [::]:0 LISTEN 6411",
                "[::1]:55031 [::1]:37394 ESTABLISHED 16646",
                "127.0.0.1:45321 127.0.0.1:59928 CLOSE_WAIT 16653",
                "127.0.0.1:45321 127.0.0.1:59912 ESTABLISHED 16651",
                "[::1]:37394 [::1]:55031 ESTABLISHED 16645",
                "[::1]:37400 [::1]:55031 CLOSE_WAIT 16647",
                "[::1]:55031 [::1]:37400 FIN_WAIT2 0"),
                rows(parseAll("proc/tcp6-captured.txt")));
    }

    @Test
    void decodesIpv4HexInHostByteOrder() {
        TcpConnection row = only(parse(row4("0100007F:1F90 020200C0:01BB 01", 7), ALL));

        assertArrayEquals(new byte[] {127, 0, 0, 1}, row.local().inetAddress().getAddress());
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 2}, row.remote().inetAddress().getAddress());
        assertFalse(row.local().isIpv6());
    }

    @Test
    void decodesPortsAsPlainHex() {
        TcpConnection row = only(parse(row4("0100007F:FFFF 0100007F:0016 01", 7), ALL));

        assertEquals(65535, row.local().port());
        assertEquals(22, row.remote().port());
    }

    @Test
    void parsesLoopbackIpv6InTcp6() {
        TcpConnection row = only(parse(row6("00000000000000000000000001000000:1538 "
                + "00000000000000000000000001000000:D431 08", 4242), ALL));

        assertTrue(row.local().isIpv6());
        assertEquals(Endpoint.of(ipv6Loopback(), 5432), row.local());
        assertEquals("[::1]:5432", row.local().toString());
        assertEquals("[::1]:54321", row.remote().toString());
    }

    @Test
    void parsesIpv4MappedAddressInTcp6AsIpv4() {
        TcpConnection row = only(parse(row6("0000000000000000FFFF00000100007F:1538 "
                + "0000000000000000FFFF00000100007F:D431 08", 4242), ALL));

        Endpoint ipv4 = Endpoint.of(new byte[] {127, 0, 0, 1}, 5432);
        assertEquals(ipv4, row.local());
        assertEquals(ipv4.hashCode(), row.local().hashCode());
        assertFalse(row.local().isIpv6());
        assertEquals("127.0.0.1:54321", row.remote().toString());
    }

    @Test
    void decodesGlobalAndLinkLocalIpv6PerWordInHostOrder() {
        assertEquals(List.of(
                "[2001:db8::1]:443 [::]:0 LISTEN 31001",
                "[2001:db8::1]:443 [2001:db8:0:1:1:1:1:1]:50123 CLOSE_WAIT 31002",
                "[fe80::a00:27ff:fe4e:66a1]:22 [fe80::1:0:0:1]:51000 ESTABLISHED 31003",
                "192.168.1.20:49876 10.1.2.3:1433 CLOSE_WAIT 31004",
                "192.168.1.20:49877 10.1.2.3:1433 TIME_WAIT 0"),
                rows(parseAll("proc/tcp6-hand.txt")));
    }

    @Test
    void mapsEveryLinuxStateCodeToItsTcpStateAndSkipsUnknownCodes() {
        // tcp-all-states.txt: one row per code 01..0C with local port 0x2000 + code, then codes 00, 0D and 0F.
        Map<Integer, TcpState> byCode = new LinkedHashMap<>();
        for (TcpConnection row : parseAll("proc/tcp-all-states.txt")) {
            byCode.put(row.local().port() - 0x2000, row.state());
        }
        Map<Integer, TcpState> expected = new LinkedHashMap<>();
        expected.put(0x01, TcpState.ESTABLISHED);
        expected.put(0x02, TcpState.SYN_SENT);
        expected.put(0x03, TcpState.SYN_RECV);
        expected.put(0x04, TcpState.FIN_WAIT1);
        expected.put(0x05, TcpState.FIN_WAIT2);
        expected.put(0x06, TcpState.TIME_WAIT);
        expected.put(0x07, TcpState.CLOSE);
        expected.put(0x08, TcpState.CLOSE_WAIT);
        expected.put(0x09, TcpState.LAST_ACK);
        expected.put(0x0A, TcpState.LISTEN);
        expected.put(0x0B, TcpState.CLOSING);
        expected.put(0x0C, TcpState.NEW_SYN_RECV);
        assertEquals(expected, byCode);
        for (Map.Entry<Integer, TcpState> entry : expected.entrySet()) {
            assertEquals(entry.getKey(), entry.getValue().linuxCode(), entry.getValue() + " code");
            assertEquals(entry.getValue(), TcpState.ofLinuxCode(entry.getKey()));
        }
        assertEquals(12, TcpState.values().length, "a new TcpState needs a row in tcp-all-states.txt");
    }

    @Test
    void deliversOnlyWantedStatesToTheSink() {
        byte[] data = Fixtures.bytes("proc/tcp-captured.txt");
        boolean[] wanted = new boolean[16];
        wanted[TcpState.CLOSE_WAIT.linuxCode()] = true;
        wanted[TcpState.FIN_WAIT2.linuxCode()] = true;
        List<String> seen = new ArrayList<>();

        ProcNetTcp.parse(data, data.length, wanted, row -> {
            if (row.state() != TcpState.CLOSE_WAIT && row.state() != TcpState.FIN_WAIT2) {
                fail("unwanted row reached the sink: " + row);
            }
            seen.add(row(row));
        });

        assertEquals(List.of(
                "127.0.0.1:37608 127.0.0.1:33661 CLOSE_WAIT 16640",
                "127.0.0.1:33661 127.0.0.1:37608 FIN_WAIT2 0",
                "127.0.0.1:59928 127.0.0.1:45321 FIN_WAIT2 0"), seen);
    }

    @Test
    void deliversNothingWhenNoStateIsWanted() {
        byte[] data = Fixtures.bytes("proc/tcp-captured.txt");

        ProcNetTcp.parse(data, data.length, new boolean[16], row -> fail("nothing is wanted, got " + row));
    }

    @Test
    void readsTheInodeOfOwnedSocketsAndZeroForTimeWait() {
        List<TcpConnection> rows = parseAll("proc/tcp-captured.txt");

        TcpConnection closeWait = rows.stream().filter(r -> r.state() == TcpState.CLOSE_WAIT).findFirst().get();
        assertEquals(16640, closeWait.inode());
        assertTrue(rows.stream().filter(r -> r.state() == TcpState.TIME_WAIT).count() >= 5);
        rows.stream().filter(r -> r.state() == TcpState.TIME_WAIT)
                .forEach(r -> assertEquals(TcpConnection.NO_INODE, r.inode(), r.toString()));
        rows.forEach(r -> assertEquals(TcpConnection.NO_PID, r.pid(), "/proc rows carry no pid"));
    }

    @Test
    void readsInodesLargerThanAnInt() {
        TcpConnection row = only(parse(row4("0100007F:1F90 0100007F:0016 08", 4_294_967_301L), ALL));

        assertEquals(4_294_967_301L, row.inode());
    }

    @Test
    void skipsMalformedAndTruncatedRowsWithoutThrowing() {
        // Between the valid rows for local ports 8080, 8081 and 8082 the fixture holds: a blank line, rows
        // cut after the slot, after each address, after the state and before the inode, a 7-digit address,
        // a non-hex address, a non-hex port, an IPv4 local with an IPv6 remote, a non-hex state, a
        // non-numeric inode, a line of prose, a 2-digit port and a remote without port.
        List<String> rows = rows(parseAll("proc/tcp-malformed.txt"));

        assertEquals(List.of(
                "127.0.0.1:8080 127.0.0.1:5432 CLOSE_WAIT 48080",
                "127.0.0.1:8081 127.0.0.1:5432 CLOSE_WAIT 48081",
                "127.0.0.1:8082 127.0.0.1:5432 ESTABLISHED 48082"), rows);
    }

    @Test
    void parsesTheLastRowOfAFileWithoutTrailingNewline() {
        byte[] data = Fixtures.bytes("proc/tcp-no-trailing-newline.txt");
        assertTrue(data[data.length - 1] != '\n', "fixture must not end with a newline");

        assertEquals(List.of(
                "127.0.0.1:8080 127.0.0.1:5432 CLOSE_WAIT 48080",
                "127.0.0.1:8081 127.0.0.1:5432 CLOSE_WAIT 45678"), rows(parseAll("proc/tcp-no-trailing-newline.txt")));
    }

    @Test
    void readsOnlyTheFirstLengthBytesOfTheBuffer() {
        // read() reuses one buffer: bytes past the length are left over from an earlier, longer file.
        byte[] first = Fixtures.bytes("proc/tcp-all-states.txt");
        String header = header(first);
        byte[] current = (header + rowLine(0, "0100007F:1F90 0100007F:1538 08", 777))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] buffer = Arrays.copyOf(first, first.length);
        System.arraycopy(current, 0, buffer, 0, current.length);
        List<String> rows = new ArrayList<>();

        ProcNetTcp.parse(buffer, current.length, wantAll(), row -> rows.add(row(row)));

        assertEquals(List.of("127.0.0.1:8080 127.0.0.1:5432 CLOSE_WAIT 777"), rows);
    }

    @Test
    void treatsTheFirstLineAsHeaderAndEmptyInputAsNoRows() {
        List<TcpConnection> rows = new ArrayList<>();

        ProcNetTcp.parse(new byte[0], 0, wantAll(), rows::add);
        // A valid-looking row in the first line is the header slot and never parsed.
        byte[] rowFirst = (rowLine(0, "0100007F:1F90 0100007F:1538 08", 1)).getBytes(StandardCharsets.US_ASCII);
        ProcNetTcp.parse(rowFirst, rowFirst.length, wantAll(), rows::add);

        assertEquals(List.of(), rows);
    }

    @Test
    void readsBothFilesFromDisk(@TempDir Path dir) throws IOException {
        Path tcp = copy("proc/tcp-malformed.txt", dir.resolve("tcp"));
        Path tcp6 = copy("proc/tcp6-hand.txt", dir.resolve("tcp6"));
        List<String> rows = new ArrayList<>();

        new ProcNetTcp(tcp, tcp6).read(EnumSet.of(TcpState.CLOSE_WAIT), row -> rows.add(row(row)));

        assertEquals(List.of(
                "127.0.0.1:8080 127.0.0.1:5432 CLOSE_WAIT 48080",
                "127.0.0.1:8081 127.0.0.1:5432 CLOSE_WAIT 48081",
                "[2001:db8::1]:443 [2001:db8:0:1:1:1:1:1]:50123 CLOSE_WAIT 31002",
                "192.168.1.20:49876 10.1.2.3:1433 CLOSE_WAIT 31004"), rows);
    }

    @Test
    void readsTheIpv4FileAloneWhenTcp6IsMissing(@TempDir Path dir) throws IOException {
        Path tcp = copy("proc/tcp-captured.txt", dir.resolve("tcp"));
        List<String> rows = new ArrayList<>();

        new ProcNetTcp(tcp, dir.resolve("tcp6")).read(EnumSet.of(TcpState.CLOSE_WAIT), row -> rows.add(row(row)));

        assertEquals(List.of("127.0.0.1:37608 127.0.0.1:33661 CLOSE_WAIT 16640"), rows);
    }

    @Test
    void failsWithIoExceptionWhenTheIpv4FileIsMissing(@TempDir Path dir) {
        ProcNetTcp table = new ProcNetTcp(dir.resolve("tcp"), dir.resolve("tcp6"));

        assertThrows(IOException.class, () -> table.read(ALL, row -> { }));
    }

    @Test
    void readsTablesOfManyChunksWithRowsCutAtChunkEndsAndDropsRowsOfEarlierReads(@TempDir Path dir)
            throws IOException {
        // The reader reads 64 KiB at a time and carries a row cut at a chunk's end over to the next chunk.
        Path tcp = dir.resolve("tcp");
        StringBuilder big = new StringBuilder(header(Fixtures.bytes("proc/tcp-captured.txt")));
        int rowCount = 2000;
        for (int i = 0; i < rowCount; i++) {
            big.append(rowLine(i, String.format("0100007F:%04X 0100007F:1538 08", 10000 + i), 100000 + i));
        }
        assertTrue(big.length() > 3 * 64 * 1024, "fixture must outgrow the initial buffer");
        Files.write(tcp, big.toString().getBytes(StandardCharsets.US_ASCII));
        ProcNetTcp table = new ProcNetTcp(tcp, dir.resolve("tcp6"));
        List<TcpConnection> firstRead = new ArrayList<>();

        table.read(ALL, firstRead::add);

        assertEquals(rowCount, firstRead.size());
        for (int i = 0; i < rowCount; i++) {
            assertEquals(10000 + i, firstRead.get(i).local().port(), "row " + i);
            assertEquals(100000 + i, firstRead.get(i).inode(), "row " + i);
        }

        copy("proc/tcp-no-trailing-newline.txt", tcp);
        List<String> secondRead = new ArrayList<>();
        table.read(ALL, row -> secondRead.add(row(row)));

        assertEquals(List.of(
                "127.0.0.1:8080 127.0.0.1:5432 CLOSE_WAIT 48080",
                "127.0.0.1:8081 127.0.0.1:5432 CLOSE_WAIT 45678"), secondRead);
    }

    @Test
    void findsARealLoopbackConnectionEstablishedInProcSelfNetTcp() throws IOException {
        assumeTrue(Files.isReadable(Paths.get("/proc/self/net/tcp")),
                "/proc/self/net/tcp is not readable here (not Linux, or /proc is not mounted)");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            Endpoint serverEnd = Endpoint.of(loopback, server.getLocalPort());
            Endpoint clientEnd = Endpoint.of(loopback, client.getLocalPort());
            List<TcpConnection> established = new ArrayList<>();

            new ProcNetTcp().read(EnumSet.of(TcpState.ESTABLISHED), established::add);

            TcpConnection clientRow = established.stream()
                    .filter(r -> r.local().equals(clientEnd) && r.remote().equals(serverEnd)).findFirst().orElse(null);
            TcpConnection serverRow = established.stream()
                    .filter(r -> r.local().equals(serverEnd) && r.remote().equals(clientEnd)).findFirst().orElse(null);
            assertNotNull(clientRow, "client side " + clientEnd + " -> " + serverEnd + " in " + established);
            assertNotNull(serverRow, "accepted side " + serverEnd + " -> " + clientEnd + " in " + established);
            assertEquals(TcpState.ESTABLISHED, clientRow.state());
            assertEquals(TcpState.ESTABLISHED, serverRow.state());
            assertTrue(clientRow.inode() > 0, "an open socket has an inode");
            assertTrue(serverRow.inode() > 0 && serverRow.inode() != clientRow.inode(), "each end its own inode: " + serverRow);
        }
    }

    @Test
    void seesARealLoopbackConnectionGoToCloseWaitWhenThePeerCloses() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(Paths.get("/proc/self/net/tcp")),
                "/proc/self/net/tcp is not readable here (not Linux, or /proc is not mounted)");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket client = new Socket(loopback, server.getLocalPort())) {
            server.accept().close(); // the peer sends FIN; the client never closes
            Endpoint clientEnd = Endpoint.of(loopback, client.getLocalPort());
            Endpoint serverEnd = Endpoint.of(loopback, server.getLocalPort());
            InputStream in = client.getInputStream();
            assertEquals(-1, in.read(), "the client sees the peer's FIN as end of stream");
            List<TcpConnection> closeWait = new ArrayList<>();

            new ProcNetTcp().read(EnumSet.of(TcpState.CLOSE_WAIT), closeWait::add);

            assertTrue(closeWait.stream().anyMatch(r -> r.local().equals(clientEnd) && r.remote().equals(serverEnd)),
                    clientEnd + " -> " + serverEnd + " in CLOSE_WAIT, got " + closeWait);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static List<TcpConnection> parseAll(String resource) {
        byte[] data = Fixtures.bytes(resource);
        List<TcpConnection> rows = new ArrayList<>();
        ProcNetTcp.parse(data, data.length, wantAll(), rows::add);
        return rows;
    }

    private static List<TcpConnection> parse(String text, Set<TcpState> states) {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        boolean[] wanted = new boolean[16];
        states.forEach(s -> wanted[s.linuxCode()] = true);
        List<TcpConnection> rows = new ArrayList<>();
        ProcNetTcp.parse(data, data.length, wanted, rows::add);
        return rows;
    }

    private static boolean[] wantAll() {
        boolean[] wanted = new boolean[16];
        Arrays.fill(wanted, true);
        return wanted;
    }

    private static TcpConnection only(List<TcpConnection> rows) {
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0);
    }

    /** {@code local remote STATE inode}, the form the expected lists use. */
    private static String row(TcpConnection c) {
        return c.local() + " " + c.remote() + " " + c.state() + " " + c.inode();
    }

    private static List<String> rows(List<TcpConnection> connections) {
        List<String> rows = new ArrayList<>();
        connections.forEach(c -> rows.add(row(c)));
        return rows;
    }

    /** A one-row tcp table: header plus a row with the kernel's remaining columns. */
    private static String row4(String addressesAndState, long inode) {
        return "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + rowLine(0, addressesAndState, inode);
    }

    private static String rowLine(int slot, String addressesAndState, long inode) {
        return String.format("%4d: %s 00000000:00000000 00:00000000 00000000  1000        0 %d 1 "
                + "ffff8a1c2b3d4e00 20 4 30 10 -1\n", slot, addressesAndState, inode);
    }

    private static String row6(String addressesAndState, long inode) {
        return "  sl  local_address                         remote_address                        st tx_queue"
                + " rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + rowLine(0, addressesAndState, inode);
    }

    private static String header(byte[] table) {
        String text = new String(table, StandardCharsets.US_ASCII);
        return text.substring(0, text.indexOf('\n') + 1);
    }

    private static byte[] ipv6Loopback() {
        byte[] address = new byte[16];
        address[15] = 1;
        return address;
    }

    private static Path copy(String resource, Path target) throws IOException {
        try (OutputStream out = Files.newOutputStream(target)) {
            out.write(Fixtures.bytes(resource));
        }
        return target;
    }
}
