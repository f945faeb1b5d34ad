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

    private static String code(TcpState state) {
        return String.format(Locale.ROOT, "%02X", state.linuxCode());
    }
}
