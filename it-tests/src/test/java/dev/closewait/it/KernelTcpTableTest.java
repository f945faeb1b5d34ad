package dev.closewait.it;

import dev.closewait.agent.tcp.TcpState;
import dev.closewait.it.scenarios.KernelTcpTable;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tests' oracle for the kernel's table speaks the agent's codes, and sees what the kernel does. */
class KernelTcpTableTest {

    @Test
    void statesAreTheAgentsLinuxCodes() {
        assertEquals(code(TcpState.ESTABLISHED), KernelTcpTable.ESTABLISHED);
        assertEquals(code(TcpState.TIME_WAIT), KernelTcpTable.TIME_WAIT);
        assertEquals(code(TcpState.CLOSE_WAIT), KernelTcpTable.CLOSE_WAIT);
        assertEquals(code(TcpState.LISTEN), KernelTcpTable.LISTEN);
    }

    @Test
    void followsAConnectionFromEstablishedToCloseWaitAndGone() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            Socket client = new Socket(loopback, server.getLocalPort());
            Socket accepted = server.accept();
            assertEquals(KernelTcpTable.ESTABLISHED, KernelTcpTable.state(client.getLocalPort(), server.getLocalPort()));
            accepted.close();
            KernelTcpTable.awaitCloseWait(client.getLocalPort());
            client.close();
            KernelTcpTable.await(client.getLocalPort(), server.getLocalPort(), null);
        }
    }

    @Test
    void readsTheStateColumnOfTcpAndTcp6RowsWithoutSplittingThem() {
        assertEquals("0A", KernelTcpTable.stateColumn("   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
                + "   105        0 21862 1 0000000000000000 100 0 0 10 0"));
        assertEquals("08", KernelTcpTable.stateColumn("10000: 0100007F:9C40 0100007F:1F90 08 00000000:00000000 00:00000000 00000000"
                + "     0        0 4242 1 0000000000000000 20 4 30 10 -1"));
        assertEquals("06", KernelTcpTable.stateColumn("   3: 0000000000000000FFFF00000100007F:A2B4 0000000000000000FFFF00000100007F:1F90"
                + " 06 00000000:00000000 03:00000F2C 00000000     0        0 0 3 0000000000000000"));
        assertEquals("st", KernelTcpTable.stateColumn("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"));
        assertEquals(null, KernelTcpTable.stateColumn("   0: 0100007F:1538 00000000:0000"));
        assertEquals(null, KernelTcpTable.stateColumn(""));
    }

    private static String code(TcpState state) {
        return String.format(Locale.ROOT, "%02X", state.linuxCode());
    }
}
