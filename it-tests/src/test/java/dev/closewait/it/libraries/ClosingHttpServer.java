package dev.closewait.it.libraries;

import dev.closewait.it.scenarios.Scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 server in the scenario JVM that does what real servers do to idle keep-alive
 * connections: it answers each request with a keep-alive response ({@code Keep-Alive: timeout=60},
 * so no client retires the connection by itself), then closes the connection {@code closeAfterMillis}
 * later, as a server whose keep-alive timeout is shorter than the client's. Each accepted socket is
 * closed by this server: none of them is a leak.
 */
final class ClosingHttpServer implements AutoCloseable {

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            + "Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok").getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final long closeAfterMillis;

    ClosingHttpServer(long closeAfterMillis) throws IOException {
        this.server = Scenario.loopbackServer();
        this.closeAfterMillis = closeAfterMillis;
        Thread acceptor = new Thread(this::acceptAll, "closing-http-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    private void acceptAll() {
        while (!server.isClosed()) {
            try {
                Socket connection = server.accept();
                Thread serve = new Thread(() -> serve(connection), "closing-http-connection");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (Socket c = connection) {
            readRequestHead(c.getInputStream());
            OutputStream out = c.getOutputStream();
            out.write(RESPONSE);
            out.flush();
            Thread.sleep(closeAfterMillis);
        } catch (IOException | InterruptedException gone) {
            // the client went first
        }
    }

    /** Reads up to the blank line that ends a request's head (these clients send GETs, no body). */
    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < 4 && (b = in.read()) >= 0; ) {
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
