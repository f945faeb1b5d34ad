package dev.closewait.it.scenarios;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS clients against a TLS server that closes every connection after the handshake:
 * a TLS layer over a plain socket, leaked (the plain socket owns the descriptor); the same,
 * closed through the TLS layer (autoClose); and a plain TLS socket, leaked.
 * Args: keystore path, password.
 */
public final class TlsLeak {

    public static void main(String[] args) throws Exception {
        SSLContext tls = context(args[0], args[1].toCharArray());
        try (SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            Thread acceptor = new Thread(() -> serveAndClose(server, 3), "tls-acceptor");
            acceptor.start();

            // Leaked sockets are never read again: reading the server's close_notify would make the
            // JDK close them itself. The peer's FIN waits in the kernel: CLOSE_WAIT.
            // The TLS layer stays reachable, as an application's would: on JDK 17 an unreachable
            // SSLSocket is finalized, and its finalizer closes the socket under it.
            Socket layeredPlain = openPlain(port);
            SSLSocket layered = layerTls(tls, layeredPlain, port);

            Socket closedPlain = openPlain(port);
            SSLSocket closed = layerTls(tls, closedPlain, port);
            Scenario.drain(closed.getInputStream());
            closed.close(); // autoClose: closes the plain socket under it

            SSLSocket direct = openDirectTls(tls, port);
            Scenario.keep(layered, layeredPlain, direct);
            acceptor.join();

            Scenario.awaitKernelState(layeredPlain.getLocalPort(), "08");
            Scenario.awaitKernelState(direct.getLocalPort(), "08");
            Scenario.result("layeredPort", layeredPlain.getLocalPort());
            Scenario.result("closedPort", closedPlain.getLocalPort());
            Scenario.result("closedPlainIsClosed", closedPlain.isClosed());
            Scenario.result("directPort", direct.getLocalPort());
            Scenario.step("leaked");
            Scenario.result("layeredStillOpen", !layered.isClosed());
        }
    }

    static Socket openPlain(int port) throws Exception {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }

    static SSLSocket layerTls(SSLContext tls, Socket plain, int port) throws Exception {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true);
        return greet(socket);
    }

    static SSLSocket openDirectTls(SSLContext tls, int port) throws Exception {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(InetAddress.getByName("127.0.0.1"), port);
        return greet(socket);
    }

    /**
     * Handshakes and sends one byte the server reads before it closes: a server that closed with
     * the client's last handshake message unread would send a reset, not the FIN this is about.
     */
    private static SSLSocket greet(SSLSocket socket) throws Exception {
        socket.startHandshake();
        socket.getOutputStream().write('!');
        socket.getOutputStream().flush();
        return socket;
    }

    private static void serveAndClose(SSLServerSocket server, int connections) {
        List<Socket> served = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                SSLSocket socket = (SSLSocket) server.accept();
                socket.startHandshake();
                socket.getInputStream().read(); // the client's greeting: nothing left unread
                socket.close();
                served.add(socket);
            }
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    private static SSLContext context(String keystore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore)) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}
