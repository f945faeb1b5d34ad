package dev.closewait.it.hardening;

import dev.closewait.it.EndToEnd;
import dev.closewait.it.Jdk;
import dev.closewait.it.ScenarioProcess;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the hardening tests share: the timings of the other end-to-end tests, the agent command
 * line, and the searches that prove a secret or a raw control character reached no output.
 */
final class Hostile {

    /** Fast scans: a leak is reported a second after the peer's FIN. */
    static final String FAST = EndToEnd.FAST;
    /** Generous: two cores shared with other builds. */
    static final Duration REPORTED = Duration.ofSeconds(30);
    static final Duration EXIT = Duration.ofSeconds(60);

    private Hostile() {
    }

    static void assumePresent(Jdk jdk) {
        EndToEnd.assumePresent(jdk);
    }

    /** Whether something listens on 127.0.0.1:{@code port}. */
    static boolean listening(int port) {
        try (Socket probe = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException nothing) {
            return false;
        }
    }

    /** {@code java -javaagent:<jar>=<options> <jvmOptions> -Xmx256m -cp <scenarios> <main> <args>}. */
    static List<String> java(Jdk jdk, String agentOptions, List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.add("-javaagent:" + ScenarioProcess.agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        command.addAll(jvmOptions);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("closewait.scenario.classpath", "target/test-classes"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** {@code command} run by {@code sh} under umask 000: every file the JVM makes is world-writable unless it says otherwise. */
    static List<String> underUmask000(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "umask 000; exec \"$0\" \"$@\""));
        wrapped.addAll(command);
        return wrapped;
    }

    /** {@code rw-------} and the like. */
    static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file,
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Asserts that no secret, nor any run of {@code window} characters of one, is in {@code text}
     * (what {@code where} names).
     */
    static void assertNoSecret(String where, String text, List<String> secrets, int window) {
        for (String secret : secrets) {
            for (int i = 0; i + Math.min(window, secret.length()) <= secret.length(); i++) {
                String part = secret.substring(i, i + Math.min(window, secret.length()));
                int at = text.indexOf(part);
                assertFalse(at >= 0, () -> where + " holds '" + part + "' of a secret: ..."
                        + text.substring(Math.max(0, at - 120), Math.min(text.length(), at + 120)) + "...");
            }
        }
    }

    /** Asserts that {@code text} holds no control character but line ends and tabs, and no bidirectional override. */
    static void assertNoRawControl(String where, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f
                    || (c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
            int at = i;
            assertFalse(control, () -> where + " holds the raw character U+" + String.format("%04X", (int) c)
                    + " at " + at + ": ..." + text.substring(Math.max(0, at - 80), Math.min(text.length(), at + 80)));
        }
    }
}
