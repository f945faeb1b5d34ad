package dev.closewait.it.libraries;

import dev.closewait.it.scenarios.Scenario;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Netty 4.1 clients that ignore the peer's FIN (half-closure allowed, {@code ChannelInputShutdownEvent}
 * swallowed) on the epoll, io_uring (the incubator's) and NIO transports. It runs on Netty 4.1's jars
 * alone, so it uses only what 4.1 and 4.2 share, and reaches the incubator's io_uring by name.
 * Prints each channel's local port, or {@code unavailable: <cause>}.
 */
public final class Netty41Leaks {

    public static void main(String[] args) throws Exception {
        Scenario.result("pid", ProcessHandle.current().pid());
        Scenario.result("netty", io.netty.util.Version.identify().get("netty-transport").artifactVersion());
        try (ServerSocket closing = Scenario.loopbackServer()) {
            Thread acceptor = new Thread(() -> acceptAndClose(closing), "closing-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress peer = new InetSocketAddress("127.0.0.1", closing.getLocalPort());
            if (io.netty.channel.epoll.Epoll.isAvailable()) {
                Scenario.result("epollPort", port(subscribeOverEpoll(peer)));
            } else {
                Scenario.result("epollPort", "unavailable: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
            }
            Class<?> ioUring = Class.forName("io.netty.incubator.channel.uring.IOUring");
            if ((Boolean) ioUring.getMethod("isAvailable").invoke(null)) {
                Scenario.result("ioUringPort", port(subscribeOverIoUring(peer)));
            } else {
                Scenario.result("ioUringPort", "unavailable: " + ioUring.getMethod("unavailabilityCause").invoke(null));
            }
            Scenario.result("nioPort", port(subscribeOverNio(peer)));
            Scenario.step("leaked");
        }
        System.exit(0); // the event loops would keep the JVM alive
    }

    @SuppressWarnings("deprecation") // gone from 4.2's preferred API, the only one of 4.1
    static Channel subscribeOverEpoll(InetSocketAddress peer) throws InterruptedException {
        return connect(new io.netty.channel.epoll.EpollEventLoopGroup(1), io.netty.channel.epoll.EpollSocketChannel.class, peer);
    }

    @SuppressWarnings("unchecked")
    static Channel subscribeOverIoUring(InetSocketAddress peer) throws Exception {
        EventLoopGroup group = (EventLoopGroup) Class.forName("io.netty.incubator.channel.uring.IOUringEventLoopGroup")
                .getConstructor(int.class).newInstance(1);
        return connect(group, (Class<? extends Channel>) Class.forName("io.netty.incubator.channel.uring.IOUringSocketChannel"),
                peer);
    }

    @SuppressWarnings("deprecation")
    static Channel subscribeOverNio(InetSocketAddress peer) throws InterruptedException {
        return connect(new io.netty.channel.nio.NioEventLoopGroup(1), io.netty.channel.socket.nio.NioSocketChannel.class, peer);
    }

    private static Channel connect(EventLoopGroup group, Class<? extends Channel> type, InetSocketAddress peer)
            throws InterruptedException {
        Channel channel = new Bootstrap().group(group).channel(type).option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                        if (!(event instanceof ChannelInputShutdownEvent)) {
                            ctx.fireUserEventTriggered(event); // BUG: the peer's close is ignored
                        }
                    }
                }).connect(peer).sync().channel();
        Scenario.keep(group, channel);
        return channel;
    }

    private static int port(Channel channel) {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private static void acceptAndClose(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket accepted = server.accept()) {
                accepted.getOutputStream().write('!');
            } catch (Exception closed) {
                return;
            }
        }
    }
}
