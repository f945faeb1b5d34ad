package dev.closewait.agent.track;

import dev.closewait.agent.boot.ConnectionEvents;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongTextTest {

    @Test
    void aStringUpToTheBoundIsKeptAsItIsALongerOneSaysHowLongItWas() {
        String bound = "t".repeat(LongText.MAX_CHARS);
        assertSame(bound, LongText.capped(bound));
        assertEquals(null, LongText.capped(null));
        String capped = LongText.capped("x".repeat(5_000_000));
        assertEquals("x".repeat(LongText.MAX_CHARS) + "\u2026 (5000000 characters)", capped);
    }

    @Test
    void neverKeepsHalfOfASurrogatePair() {
        String text = "a".repeat(LongText.MAX_CHARS - 1) + "\uD83D\uDE00" + "b";
        String capped = LongText.capped(text);
        assertTrue(capped.startsWith("a".repeat(LongText.MAX_CHARS - 1) + "\u2026"), capped.substring(LongText.MAX_CHARS - 3));
        assertTrue(capped.codePoints().noneMatch(c -> Character.isSurrogate((char) c)), "no lone surrogate");
    }

    @Test
    void aThreadNamedWithMillionsOfCharactersIsKeptCapped() throws Exception {
        SocketRegistry registry = new SocketRegistry(Clock.systemUTC());
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Socket socket = new Socket(server.getInetAddress(), server.getLocalPort())) {
            String[] name = new String[1];
            Thread opener = new Thread(() -> {
                registry.opened(socket, ConnectionEvents.ORIGIN_CONNECT);
                name[0] = registry.openSockets().iterator().next().thread();
            }, "w".repeat(3_000_000));
            opener.start();
            opener.join();
            assertEquals("w".repeat(LongText.MAX_CHARS) + "\u2026 (3000000 characters)", name[0]);
        }
    }
}
