package dev.closewait.agent.tcp;

import dev.closewait.agent.tcp.NetstatParser.Dialect;
import dev.closewait.agent.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link NetstatParser} on {@code netstat} output of macOS and Windows.
 *
 * <p>The fixtures under {@code netstat/} were written to match the documented output formats of
 * {@code netstat -an -p tcp} (macOS, BSD column layout: {@code %-5.5s %6u %6u  %-22.22s %-22.22s %-11s}, IPv6
 * addresses no longer than the 16 characters BSD netstat prints without {@code -l}) and
 * {@code netstat -ano -p tcp} / {@code -p tcpv6} (Windows, CRLF line endings); they were not captured on
 * those operating systems. Each file holds only what the command prints.
 */
class NetstatParserTest {

    private static final Set<TcpState> ALL = EnumSet.allOf(TcpState.class);

    /**
     * BSD netstat prints an unspecified address or port as {@code *} without saying whether it is IPv4 or IPv6;
     * the parser reads it as {@code 0.0.0.0} / port 0 (only LISTEN rows have it; CLOSE_WAIT rows never do).
     */
    @Test
    void parsesEveryTcpRowOfMacosNetstat() {
        List<String> rows = parse(Dialect.BSD, Fixtures.text("netstat/macos-netstat-an-p-tcp.txt"), ALL);

        assertEquals(List.of(
                "127.0.0.1:52345 127.0.0.1:5432 CLOSE_WAIT pid -1",
                "127.0.0.1:5432 127.0.0.1:52345 FIN_WAIT2 pid -1",
                "[::1]:8080 [::1]:52346 ESTABLISHED pid -1",
                "[::1]:52346 [::1]:8080 ESTABLISHED pid -1",
                "192.168.1.20:49880 93.184.216.34:443 SYN_SENT pid -1",
                "192.168.1.20:49876 17.57.146.20:5223 ESTABLISHED pid -1",
                "192.168.1.20:49790 140.82.112.25:443 CLOSE_WAIT pid -1",
                "192.168.1.20:49791 140.82.112.25:443 LAST_ACK pid -1",
                "192.168.1.20:49812 151.101.1.69:443 TIME_WAIT pid -1",
                "[fe80::1]:49153 [fe80::1]:631 ESTABLISHED pid -1",
                "[fe80::1]:631 [fe80::1]:49153 ESTABLISHED pid -1",
                "0.0.0.0:8080 0.0.0.0:0 LISTEN pid -1",
                "127.0.0.1:5432 0.0.0.0:0 LISTEN pid -1",
                "[::1]:5432 0.0.0.0:0 LISTEN pid -1",
                "0.0.0.0:22 0.0.0.0:0 LISTEN pid -1",
                "0.0.0.0:22 0.0.0.0:0 LISTEN pid -1"), rows);
    }

    @Test
    void macosRowsCarryNoPidAndNoInode() {
        List<TcpConnection> rows = new ArrayList<>();
        NetstatParser.parse(Dialect.BSD, Fixtures.text("netstat/macos-netstat-an-p-tcp.txt"), ALL, rows::add);

        assertEquals(16, rows.size());
        for (TcpConnection row : rows) {
            assertEquals(TcpConnection.NO_PID, row.pid(), row.toString());
            assertEquals(TcpConnection.NO_INODE, row.inode(), row.toString());
        }
    }

    @Test
    void filtersMacosRowsByState() {
        List<String> rows = parse(Dialect.BSD, Fixtures.text("netstat/macos-netstat-an-p-tcp.txt"),
                EnumSet.of(TcpState.CLOSE_WAIT));

        assertEquals(List.of(
                "127.0.0.1:52345 127.0.0.1:5432 CLOSE_WAIT pid -1",
                "192.168.1.20:49790 140.82.112.25:443 CLOSE_WAIT pid -1"), rows);
    }

    @Test
    void parsesEveryTcpRowOfWindowsNetstatForIpv4() {
        String output = Fixtures.text("netstat/windows-netstat-ano-p-tcp.txt");
        assertTrue(output.contains("\r\n"), "the Windows fixture keeps its CRLF line endings");

        assertEquals(List.of(
                "0.0.0.0:135 0.0.0.0:0 LISTEN pid 1234",
                "0.0.0.0:445 0.0.0.0:0 LISTEN pid 4",
                "127.0.0.1:5432 0.0.0.0:0 LISTEN pid 5120",
                "127.0.0.1:5432 127.0.0.1:52345 FIN_WAIT2 pid 5120",
                "127.0.0.1:52345 127.0.0.1:5432 CLOSE_WAIT pid 4242",
                "192.168.1.20:49876 20.42.73.29:443 ESTABLISHED pid 7788",
                "192.168.1.20:49877 20.42.73.29:443 TIME_WAIT pid 0",
                "192.168.1.20:49880 93.184.216.34:80 SYN_SENT pid 7788",
                "192.168.1.20:49890 10.0.0.5:1433 LAST_ACK pid 4242"), parse(Dialect.WINDOWS, output, ALL));
    }

    @Test
    void parsesEveryTcpRowOfWindowsNetstatForIpv6() {
        String output = Fixtures.text("netstat/windows-netstat-ano-p-tcpv6.txt");
        assertTrue(output.contains("\r\n"), "the Windows fixture keeps its CRLF line endings");

        assertEquals(List.of(
                "[::]:135 [::]:0 LISTEN pid 1234",
                "[::]:445 [::]:0 LISTEN pid 4",
                "[::1]:8080 [::]:0 LISTEN pid 4242",
                "[::1]:8080 [::1]:52346 ESTABLISHED pid 4242",
                "[::1]:52346 [::1]:8080 CLOSE_WAIT pid 4242",
                "[2001:db8::20]:49900 [2001:db8::5]:1433 CLOSE_WAIT pid 4242",
                "[fe80::1c2d:3e4f:5a6b:7c8d]:49700 [fe80::9a8b:7c6d:5e4f:3a2b]:445 ESTABLISHED pid 4"),
                parse(Dialect.WINDOWS, output, ALL));
    }

    @Test
    void filtersWindowsRowsByState() {
        String output = Fixtures.text("netstat/windows-netstat-ano-p-tcp.txt")
                + Fixtures.text("netstat/windows-netstat-ano-p-tcpv6.txt");

        assertEquals(List.of(
                "127.0.0.1:52345 127.0.0.1:5432 CLOSE_WAIT pid 4242",
                "[::1]:52346 [::1]:8080 CLOSE_WAIT pid 4242",
                "[2001:db8::20]:49900 [2001:db8::5]:1433 CLOSE_WAIT pid 4242"),
                parse(Dialect.WINDOWS, output, EnumSet.of(TcpState.CLOSE_WAIT)));
        assertEquals(List.of(), parse(Dialect.WINDOWS, output, EnumSet.noneOf(TcpState.class)));
    }

    @Test
    void unwantedRowsNeverReachTheSink() {
        NetstatParser.parse(Dialect.BSD, Fixtures.text("netstat/macos-netstat-an-p-tcp.txt"),
                EnumSet.of(TcpState.CLOSING), row -> fail("no CLOSING row in the fixture, got " + row));
    }

    @Test
    void skipsBsdJunkLinesUdpRowsAndNames() {
        String output = String.join("\n",
                "Active Internet connections (including servers)",
                "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)    ",
                "udp4       0      0  *.5353                 *.*                               ",
                "udp6       0      0  ::1.123                *.*                               ",
                "tcp4       0      0  localhost.8080         localhost.52000        ESTABLISHED",
                "tcp4       0      0  127.0.0.1.http         127.0.0.1.52001        ESTABLISHED",
                "tcp4       0      0  127.0.0.1              127.0.0.1.52002        ESTABLISHED",
                "tcp4       0      0  127.0.0.1.8080         127.0.0.1.52003        NOT_A_STATE",
                "tcp4       0      0  127.0.0.1.8080         127.0.0.1.52004",
                "tcp4       0      0  127.0.0.1.8080.",
                "",
                "Active LOCAL (UNIX) domain sockets",
                "Address          Type   Recv-Q Send-Q            Inode             Conn             Refs  "
                        + "        Nextref Addr",
                "8c8c1b1f0b7d4a5b stream      0      0                0 8c8c1b1f0b7d4a5c                0"
                        + "                0",
                "tcp4       0      0  127.0.0.1.8080         127.0.0.1.52005        CLOSE_WAIT ");

        assertEquals(List.of("127.0.0.1:8080 127.0.0.1:52005 CLOSE_WAIT pid -1"), parse(Dialect.BSD, output, ALL));
    }

    @Test
    void skipsWindowsJunkLinesUdpRowsAndBadPids() {
        String output = String.join("\r\n",
                "",
                "Active Connections",
                "",
                "  Proto  Local Address          Foreign Address        State           PID",
                "  UDP    0.0.0.0:123            *:*                                    1234",
                "  UDP    [::]:500               *:*                                    4711",
                "  TCP    127.0.0.1:8080         127.0.0.1:52000        ESTABLISHED     notapid",
                "  TCP    127.0.0.1:8080         127.0.0.1:52001        BOUND           4242",
                "  TCP    myhost:8080            127.0.0.1:52002        ESTABLISHED     4242",
                "  TCP    127.0.0.1:8080         127.0.0.1:             ESTABLISHED     4242",
                "  TCP    127.0.0.1              127.0.0.1:52003        ESTABLISHED     4242",
                "  TCP    127.0.0.1:8080         127.0.0.1:52004",
                "  tcp    127.0.0.1:8080         127.0.0.1:52005        ESTABLISHED     4242",
                "  TCP    127.0.0.1:8080         127.0.0.1:52006        CLOSE_WAIT      4242",
                "");

        assertEquals(List.of("127.0.0.1:8080 127.0.0.1:52006 CLOSE_WAIT pid 4242"),
                parse(Dialect.WINDOWS, output, ALL));
    }

    @Test
    void readsWindowsRowsWithoutPidColumnAsNoPid() {
        // netstat -an (without -o) has no PID column.
        String output = "  TCP    127.0.0.1:52345        127.0.0.1:5432         CLOSE_WAIT\r\n";

        assertEquals(List.of("127.0.0.1:52345 127.0.0.1:5432 CLOSE_WAIT pid -1"),
                parse(Dialect.WINDOWS, output, ALL));
    }

    @Test
    void readsWindowsStateNamesThatDifferFromBsd() {
        String output = String.join("\r\n",
                "  TCP    127.0.0.1:1            127.0.0.1:2            SYN_RECEIVED    1",
                "  TCP    127.0.0.1:3            127.0.0.1:4            FIN_WAIT_1      1",
                "  TCP    127.0.0.1:5            127.0.0.1:6            CLOSING         1",
                "  TCP    127.0.0.1:7            127.0.0.1:8            CLOSED          1");

        assertEquals(List.of(
                "127.0.0.1:1 127.0.0.1:2 SYN_RECV pid 1",
                "127.0.0.1:3 127.0.0.1:4 FIN_WAIT1 pid 1",
                "127.0.0.1:5 127.0.0.1:6 CLOSING pid 1",
                "127.0.0.1:7 127.0.0.1:8 CLOSE pid 1"), parse(Dialect.WINDOWS, output, ALL));
    }

    @Test
    void readsBsdSynRcvdState() {
        String output = "tcp4       0      0  127.0.0.1.8080         127.0.0.1.52000        SYN_RCVD   \n";

        assertEquals(List.of("127.0.0.1:8080 127.0.0.1:52000 SYN_RECV pid -1"), parse(Dialect.BSD, output, ALL));
    }

    private static List<String> parse(Dialect dialect, String output, Set<TcpState> states) {
        List<String> rows = new ArrayList<>();
        NetstatParser.parse(dialect, output, states,
                row -> rows.add(row.local() + " " + row.remote() + " " + row.state() + " pid " + row.pid()));
        return rows;
    }
}
