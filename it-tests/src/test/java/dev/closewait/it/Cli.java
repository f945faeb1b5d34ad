package dev.closewait.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code java -jar closewait-agent.jar ...} as a user runs it, on a given JDK. */
public final class Cli {

    /** What a run printed and how it ended. */
    public record Run(int status, String out, String err) {
        public String describe() {
            return "exit " + status + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    private Cli() {
    }

    public static Run run(Jdk jdk, String... args) throws IOException, InterruptedException {
        return run(List.of(), jdk, args);
    }

    /** Runs the CLI with JVM options {@code jvmOptions} before {@code -jar}. */
    public static Run run(List<String> jvmOptions, Jdk jdk, String... args) throws IOException, InterruptedException {
        return runIn(Path.of("").toAbsolutePath(), jvmOptions, jdk, args);
    }

    /** Runs the CLI in {@code directory}. */
    public static Run runIn(Path directory, List<String> jvmOptions, Jdk jdk, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(ScenarioProcess.agentJar().toString());
        command.addAll(List.of(args));
        return exec(command, directory);
    }

    /**
     * Runs {@code command} in {@code directory}, its output to temporary files (a pipe nobody reads
     * would block it once full), and kills it after 60 s. The files are removed however it ends.
     */
    static Run exec(List<String> command, Path directory) throws IOException, InterruptedException {
        Path out = Files.createTempFile("cli", ".out");
        Path err = null;
        try {
            err = Files.createTempFile("cli", ".err");
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                KilledJvm.killWithDescendants(process);
                throw new AssertionError("the CLI did not finish in 60 s: " + command);
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            if (err != null) {
                Files.deleteIfExists(err);
            }
        }
    }
}
