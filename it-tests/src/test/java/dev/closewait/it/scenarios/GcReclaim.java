package dev.closewait.it.scenarios;

import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * Leaked sockets that become unreachable: a plain socket (its descriptor is released by the JDK's
 * cleaner once collected) and an NIO channel (no cleaner: its descriptor stays, orphaned).
 * Reports whether each object was really collected, proof that the agent did not keep it alive.
 */
public final class GcReclaim {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
            server.accept().close();
            SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.getLocalPort()));
            server.accept().close();
            int socketPort = socket.getLocalPort();
            int channelPort = channel.socket().getLocalPort();
            Scenario.awaitKernelState(socketPort, "08");
            Scenario.awaitKernelState(channelPort, "08");
            Scenario.result("socketPort", socketPort);
            Scenario.result("channelPort", channelPort);
            Scenario.step("leaked");

            WeakReference<Socket> socketRef = new WeakReference<>(socket);
            WeakReference<SocketChannel> channelRef = new WeakReference<>(channel);
            socket = null;
            channel = null;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while ((socketRef.get() != null || channelRef.get() != null) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            Scenario.result("socketCollected", socketRef.get() == null);
            Scenario.result("channelCollected", channelRef.get() == null);
            // The cleaner releases the plain socket's descriptor: its row leaves CLOSE_WAIT.
            deadline = System.nanoTime() + 10_000_000_000L;
            while ("08".equals(Scenario.kernelState(socketPort)) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            Scenario.result("socketKernelState", Scenario.kernelState(socketPort));
            Scenario.result("channelKernelState", Scenario.kernelState(channelPort));
            Scenario.step("collected");
        }
    }
}
