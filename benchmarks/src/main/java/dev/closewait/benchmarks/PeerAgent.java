package dev.closewait.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The agent of {@code --peer-agent JAR[=OPTIONS]}, which every comparison runs as a third side, for
 * instance file-leak-detector (see benchmarks/README.md for how to build it).
 *
 * @param jar     the agent jar, absolute
 * @param options what follows {@code =} in {@code -javaagent:JAR=OPTIONS}, or {@code null}
 */
record PeerAgent(Path jar, String options) {

    /**
     * Parses {@code JAR[=OPTIONS]}, split at the first {@code =} as the JVM splits {@code -javaagent:},
     * and checks that the jar is an agent; throws {@link IllegalArgumentException} saying what is wrong.
     */
    static PeerAgent parse(String value) {
        int equals = value.indexOf('=');
        String path = equals < 0 ? value : value.substring(0, equals);
        String options = equals < 0 ? null : value.substring(equals + 1);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("--peer-agent needs a jar: --peer-agent JAR[=OPTIONS]");
        }
        if (options != null && options.isEmpty()) {
            throw new IllegalArgumentException("--peer-agent " + value + ": nothing after '='; leave the '=' out"
                    + " to run the peer with its default options");
        }
        Path jar = Paths.get(path).toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalArgumentException("--peer-agent: no such file " + jar);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--peer-agent: " + jar + " is not a file, so not a jar");
        }
        String premain;
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            premain = manifest == null ? null : manifest.getMainAttributes().getValue("Premain-Class");
        } catch (IOException notAJar) {
            throw new IllegalArgumentException("--peer-agent: " + jar + " is not a jar (" + notAJar.getMessage() + ")");
        }
        if (premain == null || premain.isBlank()) {
            throw new IllegalArgumentException("--peer-agent: " + jar + " has no Premain-Class in its manifest,"
                    + " so -javaagent: cannot load it (for file-leak-detector, take the"
                    + " file-leak-detector-VERSION-jar-with-dependencies.jar)");
        }
        return new PeerAgent(jar, options);
    }

    /** {@code -javaagent:JAR} or {@code -javaagent:JAR=OPTIONS}. */
    String javaagent() {
        return "-javaagent:" + jar + (options == null ? "" : "=" + options);
    }

    /** For the results file: the jar's name, its Implementation-Title and -Version where it has them, and its SHA-256. */
    String describe() {
        StringBuilder text = new StringBuilder("`").append(jar.getFileName()).append('`');
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            String title = main.getValue("Implementation-Title");
            String version = main.getValue("Implementation-Version");
            if (title != null || version != null) {
                text.append(", ").append(title == null ? "" : title).append(title != null && version != null ? " " : "")
                        .append(version == null ? "" : version);
            }
        } catch (IOException | RuntimeException unreadable) {
            // the name and the digest still say which jar it was
        }
        return text.append(", SHA-256 ").append(sha256()).toString();
    }

    private String sha256() {
        try (InputStream in = Files.newInputStream(jar)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (IOException | NoSuchAlgorithmException unreadable) {
            return "unknown";
        }
    }
}
