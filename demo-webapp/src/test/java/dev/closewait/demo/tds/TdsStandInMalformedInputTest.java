package dev.closewait.demo.tds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bytes that are not the TDS the stand-in expects end the session at once, never a hang. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TdsStandInMalformedInputTest {

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private TdsStandIn standIn;

    @BeforeEach
    void startStandIn() throws Exception {
        standIn = new TdsStandIn(line -> {
            logLines.add(line);
            System.out.println(line);
        }).start();
    }

    @AfterEach
    void closeStandIn() {
        standIn.close();
    }

    @Test
    void sqlBatchBeforePreloginIsRefusedByClosing() throws IOException {
        byte[] sqlBatch = {0x01, 0x01, 0x00, 0x0C, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00};

        assertClosedAfterSending(sqlBatch);
        assertLogged("expected PRELOGIN");
    }

    @Test
    void tlsHandshakeFirstIsRefusedWithAHintAboutEncrypt() throws IOException {
        byte[] clientHelloStart = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3C, 0x03, 0x03};

        assertClosedAfterSending(clientHelloStart);
        assertLogged("encrypt=false");
    }

    @Test
    void packetShorterThanItsHeaderIsRefusedByClosing() throws IOException {
        byte[] badLength = {0x12, 0x01, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00};

        assertClosedAfterSending(badLength);
        assertLogged("packet length 3 out of range");
    }

    private void assertClosedAfterSending(byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", standIn.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();

            try {
                assertEquals(-1, in.read(), "the stand-in closes without a reply");
            } catch (SocketException reset) {
                // Also a close: the stand-in left bytes unread, so the kernel answered with RST, not FIN.
                assertTrue(reset.getMessage().contains("reset"), reset::toString);
            }
        }
        Await.until(() -> standIn.openConnections() == 0, () -> "no open connection on the stand-in");
    }

    private void assertLogged(String fragment) {
        Await.until(() -> logLines.stream().anyMatch(line -> line.contains(fragment)),
                () -> "a log line with '" + fragment + "' in " + logLines);
        assertTrue(logLines.stream().allMatch(line -> line.startsWith(TdsStandIn.LOG_PREFIX)));
    }
}
