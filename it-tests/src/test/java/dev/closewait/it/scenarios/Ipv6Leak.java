package dev.closewait.it.scenarios;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A client socket to {@code ::1} whose peer closes; reports {@code ipv6=unavailable} without IPv6 loopback. */
public final class Ipv6Leak {

    public static void main(String[] args) throws Exception {
        InetAddress loopback6 = InetAddress.getByName("::1");
        ServerSocket server;
        try {
            server = new ServerSocket(0, 50, loopback6);
        } catch (Exception noIpv6) {
            Scenario.result("ipv6", "unavailable: " + noIpv6);
            return;
        }
        try (server) {
            Socket leaked = openOverIpv6(server.getLocalPort());
            Scenario.keep(leaked);
            server.accept().close();
            Scenario.awaitKernelState(leaked.getLocalPort(), "08");
            Scenario.result("ipv6", leaked.getInetAddress() instanceof Inet6Address ? "yes" : "no");
            Scenario.result("clientPort", leaked.getLocalPort());
            Scenario.result("serverPort", server.getLocalPort());
            Scenario.step("leaked");
        }
    }

    static Socket openOverIpv6(int port) throws Exception {
        return new Socket(InetAddress.getByName("::1"), port);
    }
}
