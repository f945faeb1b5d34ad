package dev.closewait.it.scenarios;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * NIO client channels: one connected blocking, one non-blocking (finishConnect), one through the
 * socket adaptor, all leaked when the server closes; a fourth is closed through its adaptor
 * after EOF and must not be reported.
 */
public final class NioChannelLeak {

    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();

            SocketChannel blocking = openBlocking(address);
            server.accept().close();
            SocketChannel nonBlocking = openNonBlocking(address);
            server.accept().close();
            SocketChannel adaptor = openThroughAdaptor(address);
            server.accept().close();

            SocketChannel closedProperly = SocketChannel.open(address);
            server.accept().close();
            while (closedProperly.read(ByteBuffer.allocate(16)) >= 0) {
                Thread.onSpinWait();
            }
            closedProperly.socket().close();

            Scenario.keep(blocking, nonBlocking, adaptor);
            for (SocketChannel leaked : new SocketChannel[] {blocking, nonBlocking, adaptor}) {
                int port = ((InetSocketAddress) leaked.getLocalAddress()).getPort();
                Scenario.awaitKernelState(port, "08");
            }
            Scenario.result("blockingPort", port(blocking));
            Scenario.result("nonBlockingPort", port(nonBlocking));
            Scenario.result("adaptorPort", port(adaptor));
            Scenario.result("closedPort", port(closedProperly));
            Scenario.step("leaked");
        }
    }

    static SocketChannel openBlocking(InetSocketAddress address) throws Exception {
        return SocketChannel.open(address);
    }

    static SocketChannel openNonBlocking(InetSocketAddress address) throws Exception {
        SocketChannel channel = SocketChannel.open();
        channel.configureBlocking(false);
        if (!channel.connect(address)) {
            while (!channel.finishConnect()) {
                Thread.sleep(1);
            }
        }
        return channel;
    }

    static SocketChannel openThroughAdaptor(InetSocketAddress address) throws Exception {
        SocketChannel channel = SocketChannel.open();
        channel.socket().connect(address, 2000);
        return channel;
    }

    private static int port(SocketChannel channel) {
        return channel.socket().getLocalPort();
    }
}
