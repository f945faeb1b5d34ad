package dev.closewait.demo.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo's count of a process's CLOSE_WAIT sockets, read from the kernel's tables. */
class KernelSocketsTest {

    @Test
    void decodesKernelAddressesOfBothFamiliesAsTheReportWritesThem() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the samples are from a little-endian host");
        assertEquals("127.0.0.1:40000", KernelSockets.endpoint("0100007F:9C40"));
        assertEquals("127.0.0.1:1433", KernelSockets.endpoint("0000000000000000FFFF00000100007F:0599"), "IPv4-mapped");
        assertEquals("[::1]:5432", KernelSockets.endpoint("00000000000000000000000001000000:1538"));
        assertEquals("[fe80::1:0:0:2]:80", KernelSockets.endpoint("000080FE000000000000010002000000:0050"),
                "the longer run of zero groups is the one written as ::");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    @SuppressWarnings("try") // closing some of the sockets midway is the point
    void countsThisProcesssSocketsInCloseWaitByRemoteUntilTheyAreClosed() throws Exception {
        assumeTrue(KernelSockets.available(), "needs /proc (Linux)");
        long pid = ProcessHandle.current().pid();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
             Socket peerClosed = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket open = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket acceptedThenClosed = server.accept();
             Socket acceptedOpen = server.accept()) {
            acceptedThenClosed.close(); // FIN to one of the two clients: that one goes to CLOSE_WAIT
            String remote = "127.0.0.1:" + server.getLocalPort();
            while (!KernelSockets.closeWaitByRemote(pid).containsKey(remote)) {
                Thread.sleep(20);
            }
            assertEquals(Map.of(remote, 1), KernelSockets.closeWaitByRemote(pid));

            peerClosed.close();
            open.close(); // now the accepted socket still open here has lost its peer
            String openPeer = "127.0.0.1:" + acceptedOpen.getPort();
            while (!KernelSockets.closeWaitByRemote(pid).containsKey(openPeer)) {
                Thread.sleep(20);
            }
            assertEquals(Map.of(openPeer, 1), KernelSockets.closeWaitByRemote(pid),
                    "the closed client left CLOSE_WAIT; the accepted socket entered it");
        }
    }
}
