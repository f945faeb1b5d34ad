package dev.closewait.it.scenarios;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Hundreds of open connections, a hundred more opened and closed properly, and a few whose
 * server side closed: exactly those few are leaks. Args: open count, leak count, closed count.
 */
public final class ManySocketsFewLeaks {

    public static void main(String[] args) throws Exception {
        int openCount = Integer.parseInt(args[0]);
        int leakCount = Integer.parseInt(args[1]);
        int closedCount = Integer.parseInt(args[2]);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = Scenario.loopbackServer()) {
            List<Socket> clients = new ArrayList<>();
            List<Socket> accepted = new ArrayList<>();
            for (int i = 0; i < openCount; i++) {
                clients.add(new Socket(loopback, server.getLocalPort()));
                accepted.add(server.accept());
            }
            for (int i = 0; i < closedCount; i++) {
                try (Socket c = new Socket(loopback, server.getLocalPort()); Socket a = server.accept()) {
                    a.getOutputStream().write(1);
                    c.getInputStream().read();
                }
            }
            Scenario.keep(clients, accepted);
            StringJoiner leakedPorts = new StringJoiner(",");
            int stride = openCount / leakCount;
            for (int i = 0; i < leakCount; i++) {
                int index = i * stride + stride / 2;
                accepted.get(index).close(); // server side closes; the client never does
                leakedPorts.add(Integer.toString(clients.get(index).getLocalPort()));
            }
            for (String port : leakedPorts.toString().split(",")) {
                Scenario.awaitKernelState(Integer.parseInt(port), "08");
            }
            Scenario.result("leakedPorts", leakedPorts);
            Scenario.step("leaked");
            Scenario.result("stillOpen", clients.size() + accepted.size());
        }
    }
}
