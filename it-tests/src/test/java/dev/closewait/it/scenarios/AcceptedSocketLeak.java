package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A server that accepts connections and never closes them after their clients went away. */
public final class AcceptedSocketLeak {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = Scenario.loopbackServer();
             ServerSocketChannel channelServer = ServerSocketChannel.open()) {
            channelServer.bind(new InetSocketAddress("127.0.0.1", 0));

            Socket client = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
            Socket accepted = acceptOrder(server);
            client.close(); // the client goes away

            SocketChannel channelClient = SocketChannel.open(channelServer.getLocalAddress());
            SocketChannel acceptedChannel = acceptOrderChannel(channelServer);
            channelClient.close();

            int acceptedChannelPeerPort = ((InetSocketAddress) acceptedChannel.getRemoteAddress()).getPort();
            Scenario.keep(accepted, acceptedChannel);
            int channelServerPort = ((InetSocketAddress) channelServer.getLocalAddress()).getPort();
            Scenario.awaitKernelState(server.getLocalPort(), accepted.getPort(), "08");
            Scenario.awaitKernelState(channelServerPort, acceptedChannelPeerPort, "08");
            Scenario.result("serverPort", server.getLocalPort());
            Scenario.result("clientPort", accepted.getPort());
            Scenario.result("channelServerPort", channelServerPort);
            Scenario.result("channelClientPort", acceptedChannelPeerPort);
            Scenario.step("leaked");
        }
    }

    static Socket acceptOrder(ServerSocket server) throws Exception {
        return server.accept();
    }

    static SocketChannel acceptOrderChannel(ServerSocketChannel server) throws Exception {
        return server.accept();
    }
}
