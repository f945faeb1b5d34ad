package dev.closewait.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a probe in a JVM of its own and returns what it printed. */
final class ChildJvm {

    private ChildJvm() {
    }

    /** Whether {@code command} runs and exits with status 0 (its output is dropped). */
    static boolean succeeds(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return process.waitFor() == 0;
        } catch (IOException cannot) {
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code command} to its end; returns its stdout lines. Fails with its stderr if it fails. */
    static List<String> run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("closewait-bench-", ".stderr");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            Process process = builder.start();
            process.getOutputStream().close();
            List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            if (process.exitValue() != 0) {
                throw new IOException("exit status " + process.exitValue() + " from " + String.join(" ", command)
                        + "\n" + Files.readString(stderr));
            }
            return lines;
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
