package dev.closewait.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the results were measured on: machine, operating system, JDK, and the code's commit. */
final class MachineInfo {

    private MachineInfo() {
    }

    /** Label to value, in the order they are printed. */
    static Map<String, String> describe(SuiteOptions options) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("CPU", firstValue(Paths.get("/proc/cpuinfo"), "model name", System.getProperty("os.arch"))
                + ", " + Runtime.getRuntime().availableProcessors() + " cores (nproc)");
        String memory = firstValue(Paths.get("/proc/meminfo"), "MemTotal", null);
        info.put("memory", memory == null ? "unknown"
                : String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(memory.replaceAll("[^0-9]", "")) / 1048576.0));
        info.put("OS", firstValue(Paths.get("/etc/os-release"), "PRETTY_NAME", System.getProperty("os.name")).replace("\"", "")
                + ", kernel " + System.getProperty("os.version"));
        info.put("JDK", String.join(" / ", output(List.of(options.java, "-version"))));
        info.put("commit", commit(options.repository));
        return info;
    }

    private static String commit(Path repository) {
        List<String> head = output(List.of("git", "-C", repository.toString(), "rev-parse", "--short", "HEAD"));
        if (head.isEmpty() || head.get(0).startsWith("fatal")) {
            return "unknown (not a git checkout)";
        }
        List<String> changes = output(List.of("git", "-C", repository.toString(), "status", "--porcelain",
                "--untracked-files=no", "--", ".", ":!benchmarks/RESULTS.md", ":!README.md"));
        return head.get(0) + (changes.isEmpty() ? "" : " with uncommitted changes");
    }

    private static String firstValue(Path file, String key, String fallback) {
        try {
            for (String line : Files.readAllLines(file)) {
                int separator = line.indexOf(key.equals("PRETTY_NAME") ? '=' : ':');
                if (line.startsWith(key) && separator > 0) {
                    return line.substring(separator + 1).trim();
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // fall through
        }
        return fallback;
    }

    /** A command's stdout and stderr lines; empty if it cannot run. */
    private static List<String> output(List<String> command) {
        List<String> lines = new ArrayList<>();
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line.trim());
                }
            }
            process.waitFor();
        } catch (IOException unavailable) {
            return List.of();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        return lines;
    }
}
