package dev.closewait.it.picture;

import dev.closewait.it.scenarios.Scenario;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients of {@link ServerLeftByItsClients}, in a JVM of their own without the agent: {@code args[1]}
 * connections from 127.0.0.1 and one from {@link ServerLeftByItsClients#HALF_CLOSING_HOST} to port
 * {@code args[0]}. They never read and never close; the process lives until the test ends it.
 */
public final class ClientsThatNeverClose {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        InetAddress server = InetAddress.getByName("127.0.0.1");
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            held.add(new Socket(server, port));
        }
        Socket fromOtherHost = new Socket();
        fromOtherHost.bind(new InetSocketAddress(ServerLeftByItsClients.HALF_CLOSING_HOST, 0));
        fromOtherHost.connect(new InetSocketAddress(server, port));
        held.add(fromOtherHost);
        Scenario.keep(held.toArray());
        Scenario.step("connected");
        Scenario.step("holding"); // never let go: the test ends the process
    }
}
