package dev.closewait.it.picture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closewait.it.scenarios.Scenario;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A server (this JVM, with the agent) whose clients, in another process, never close: it accepts
 * {@code args[0]} connections from 127.0.0.1 and one from 127.0.0.2. It closes {@code args[1]} of
 * the first, then, once the agent has seen their peer not finish closing, the others: all sit in
 * FIN_WAIT_2, without a descriptor. The one from 127.0.0.2 it only half-closes
 * ({@code shutdownOutput()}) and keeps, waiting for a FIN that never comes.
 */
public final class ServerLeftByItsClients {

    public static final String HALF_CLOSING_HOST = "127.0.0.2";

    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        int firstClosed = Integer.parseInt(args[1]);
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getByName("127.0.0.1"))) {
            Scenario.result("serverPort", server.getLocalPort());
            Scenario.step("listening");

            List<Socket> closing = new ArrayList<>();
            Socket halfClosed = null;
            for (int i = 0; i < clients + 1; i++) {
                Socket accepted = acceptOrder(server);
                if (accepted.getInetAddress().getHostAddress().equals(HALF_CLOSING_HOST)) {
                    halfClosed = accepted;
                } else {
                    closing.add(accepted);
                }
            }
            Scenario.keep(halfClosed);
            for (Socket accepted : closing.subList(0, firstClosed)) {
                closeIdle(accepted);
            }
            finishReply(halfClosed);
            awaitFinWait2(server, closing.subList(0, firstClosed));
            Scenario.awaitKernelState(server.getLocalPort(), halfClosed.getPort(), "05");
            Scenario.result("halfClosedPort", halfClosed.getPort());
            Scenario.step("firstClosed");

            for (Socket accepted : closing.subList(firstClosed, clients)) {
                closeIdle(accepted);
            }
            awaitFinWait2(server, closing);
            Scenario.result("allClosedAt", System.currentTimeMillis());
            // What an operator's JMX console shows: every FIN_WAIT_2 socket of this JVM, all peers.
            Scenario.result("mbeanPeersNotClosing", AgentMBean.await("PeersNotClosing", n -> (Integer) n == clients + 1));
            // The half-closed socket is named once it has waited for grace.
            ObjectMapper json = new ObjectMapper();
            AgentMBean.awaitReport(text -> {
                try {
                    for (JsonNode peer : json.readTree(text).path("peersNotClosing")) {
                        if (peer.path("remote").asText().equals(HALF_CLOSING_HOST) && peer.path("sockets").size() == 1) {
                            return true;
                        }
                    }
                    return false;
                } catch (java.io.IOException unreadable) {
                    throw new java.io.UncheckedIOException(unreadable);
                }
            });
            Scenario.step("allClosed");
        }
    }

    static Socket acceptOrder(ServerSocket server) throws Exception {
        return server.accept();
    }

    /** The server is done with an idle client: it closes, and the client never does. */
    static void closeIdle(Socket accepted) throws Exception {
        accepted.close();
    }

    /** The reply is complete: the server shuts down its output and waits for the client's FIN. */
    static void finishReply(Socket accepted) throws Exception {
        accepted.shutdownOutput();
    }

    private static void awaitFinWait2(ServerSocket server, List<Socket> closed) throws Exception {
        for (Socket accepted : closed) {
            Scenario.awaitKernelState(server.getLocalPort(), accepted.getPort(), "05");
        }
    }
}
