import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Build step of the agent (run by agent/pom.xml as {@code java NetlinkLibrary.java ...}, a single-file
 * program): compiles the netlink JNI library ({@code src/main/c}) with gcc into the classes directory,
 * or prints ONE warning line saying why this build goes without it. Without the library the agent
 * reads {@code /proc} (or netstat), as it does wherever the library cannot be loaded.
 *
 * <p>Arguments: {@code SOURCE.c OUTPUT.so JAVA_HOME SKIP}. The library is skipped when {@code SKIP}
 * is {@code true} (the property {@code closewait.netlink.skip}), off Linux x86-64, when no
 * {@code gcc} is on {@code PATH}, or when {@code JAVA_HOME} has no JNI headers (a JRE). A compile
 * error with gcc present fails the build: that is a bug to see, not a machine to work around.
 */
public final class NetlinkLibrary {

    private NetlinkLibrary() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: java NetlinkLibrary.java SOURCE.c OUTPUT.so JAVA_HOME SKIP");
            System.exit(2);
        }
        File source = new File(args[0]);
        File output = new File(args[1]);
        File javaHome = new File(args[2]);
        String skip = args[3].trim();
        File gcc = onPath("gcc");
        String why = reasonToSkip(skip, System.getProperty("os.name", ""), System.getProperty("os.arch", ""), gcc,
                javaHome);
        if (why != null) {
            Files.deleteIfExists(output.toPath()); // one from an earlier build must not slip into this jar
            System.out.println("[WARNING] closewait-agent: the jar is built without its netlink library (" + why
                    + "); the agent will read the TCP table from /proc instead");
            return;
        }
        if (!output.getParentFile().isDirectory() && !output.getParentFile().mkdirs()) {
            throw new IOException("cannot create " + output.getParentFile());
        }
        List<String> command = new ArrayList<>(List.of(gcc.getPath(), "-shared", "-fPIC", "-O2", "-Wall", "-Wextra",
                "-Werror", "-I" + new File(javaHome, "include"), "-I" + new File(javaHome, "include/linux"),
                "-o", output.getPath(), source.getPath()));
        int status = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (status != 0) {
            System.err.println("[ERROR] closewait-agent: gcc failed (exit status " + status + ") on " + source
                    + "; to build without the netlink library, add -Dclosewait.netlink.skip");
            System.exit(status);
        }
    }

    /** Why this build goes without the library, or {@code null} when it can build it. */
    static String reasonToSkip(String skip, String os, String arch, File gcc, File javaHome) {
        if (skip.isEmpty() || skip.equalsIgnoreCase("true")) {
            return "-Dclosewait.netlink.skip";
        }
        String a = arch.toLowerCase(Locale.ROOT);
        if (!os.equals("Linux") || !(a.equals("amd64") || a.equals("x86_64"))) {
            return "it is built only on Linux x86-64, this is " + os + " " + arch;
        }
        if (gcc == null) {
            return "no gcc on PATH";
        }
        if (!new File(javaHome, "include/jni.h").isFile()) {
            return "no JNI headers in " + javaHome + "/include: build with a JDK";
        }
        return null;
    }

    /** The executable {@code name} found on {@code PATH}, or {@code null}. */
    static File onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(File.pathSeparator)) {
            File candidate = new File(directory.isEmpty() ? "." : directory, name);
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate;
            }
        }
        return null;
    }
}
