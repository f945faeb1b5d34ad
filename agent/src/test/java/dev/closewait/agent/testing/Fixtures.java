package dev.closewait.agent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads test fixtures from the test class path. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The bytes of {@code resource} (a class-path path such as {@code proc/tcp-captured.txt}). */
    public static byte[] bytes(String resource) {
        try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of {@code resource}, decoded as UTF-8 with line endings untouched. */
    public static String text(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }
}
