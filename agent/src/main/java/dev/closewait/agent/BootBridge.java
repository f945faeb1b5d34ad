package dev.closewait.agent;

import dev.closewait.agent.io.PrivateDirectory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Puts the bridge package ({@code dev.closewait.agent.boot}) into the bootstrap class loader, so JDK
 * classes can call it. Must run before any class that names the bridge is loaded: a copy loaded
 * by the application class loader first would be a second, silent bridge.
 *
 * <p>The bridge's classes are defined in the bootstrap class loader directly by {@link
 * UnsafeBootDefiner}, in the agent's {@link PrivateModule}, the only module the JDK's internal
 * {@code Unsafe} is exported to: neither the application nor the rest of the agent gains any
 * access. (Byte Buddy's {@code ClassInjector.UsingUnsafe} does the same but first reads
 * {@code sun.misc.Unsafe}, which prints a warning on JDK 24 and later.) Appending a jar to the
 * bootstrap class path, the fallback where that is not possible, makes the JVM print a warning and
 * stop sharing the archived classes of the platform and application class loaders (class data
 * sharing), which slows every class those load after.
 */
final class BootBridge {

    static final String[] CLASSES = {
        "dev/closewait/agent/boot/EventBridge.class",
        "dev/closewait/agent/boot/EventBridge$Guard.class",
        "dev/closewait/agent/boot/ConnectionEvents.class",
    };

    /** The time of the fallback jar's entries (no one reads it; the jar is deleted once appended). */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private BootBridge() {
    }

    /** Whether the bridge is in the bootstrap class loader already (the agent was loaded before). */
    static boolean isInstalled() {
        return inBootstrap(CLASSES[0]);
    }

    /**
     * Defines the bridge classes in the bootstrap class loader, or, where the JDK's {@code Unsafe}
     * cannot be reached, appends them to the boot path in a jar. Returns {@code ""} for the first
     * way, or why the second was taken, for the log; fails only if neither worked.
     */
    static String install(Instrumentation instrumentation) throws IOException {
        Map<String, byte[]> classes = classFiles();
        String defineProblem;
        try {
            PrivateModule.of(instrumentation).defineInBootstrap(classes);
            checkInBootstrap("defined in the bootstrap class loader");
            return "";
        } catch (IOException | ReflectiveOperationException | RuntimeException | LinkageError refused) {
            defineProblem = String.valueOf(refused);
        }
        try {
            append(instrumentation, classes);
        } catch (IOException | RuntimeException appendFailed) {
            throw new IOException(appendFailed.getMessage() + "; defining them directly failed first: " + defineProblem,
                    appendFailed);
        }
        return "the bridge classes were appended to the bootstrap class path (the JVM then stops sharing archived"
                + " classes, and says so) because defining them directly failed: " + defineProblem;
    }

    /** The bridge's class files, by binary name, read from the agent jar. */
    private static Map<String, byte[]> classFiles() throws IOException {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (String file : CLASSES) {
            classes.put(binaryName(file), classFile(file));
        }
        return classes;
    }

    /** A class file of the agent jar, by its path there. */
    static byte[] classFile(String file) throws IOException {
        try (InputStream in = BootBridge.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) {
                throw new IOException("the agent jar lacks " + file);
            }
            return in.readAllBytes();
        }
    }

    /**
     * Writes the bridge classes to a jar in a {@link PrivateDirectory}, appends it to the boot path,
     * loads the bridge classes from it, and deletes the jar and its directory: the JVM keeps the jar
     * open, so nothing is left on disk, and no other user could have swapped the file meanwhile.
     * Plain {@code java.io}: {@code Files.newOutputStream} wraps a channel and, on JDK 25, loads
     * {@code SocketChannelImpl} while doing so. A socket class loaded before the agent is installed
     * must be woven at once. Each entry gets a fixed local time: the current one would be converted
     * with the default time zone, which loads and reads the JDK's zone rules at start-up.
     */
    private static void append(Instrumentation instrumentation, Map<String, byte[]> classes) throws IOException {
        PrivateDirectory directory = PrivateDirectory.create();
        try {
            Path jar = directory.path().resolve("closewait-boot.jar");
            try (OutputStream file = new FileOutputStream(directory.newFile(jar.getFileName().toString()).toFile());
                 JarOutputStream out = new JarOutputStream(file)) {
                for (Map.Entry<String, byte[]> type : classes.entrySet()) {
                    JarEntry entry = new JarEntry(type.getKey().replace('.', '/') + ".class");
                    entry.setTimeLocal(ENTRY_TIME);
                    out.putNextEntry(entry);
                    out.write(type.getValue());
                    out.closeEntry();
                }
            }
            try (JarFile appended = new JarFile(jar.toFile())) {
                instrumentation.appendToBootstrapClassLoaderSearch(appended);
            }
            checkInBootstrap("appended in " + jar);
        } finally {
            directory.delete();
        }
    }

    private static void checkInBootstrap(String how) throws IOException {
        for (String file : CLASSES) {
            if (!inBootstrap(file)) {
                throw new IOException("the bootstrap class loader does not have " + binaryName(file) + ", " + how);
            }
        }
    }

    private static boolean inBootstrap(String file) {
        try {
            Class.forName(binaryName(file), false, null);
            return true;
        } catch (ClassNotFoundException notThere) {
            return false;
        }
    }

    private static String binaryName(String file) {
        return file.substring(0, file.length() - ".class".length()).replace('/', '.');
    }
}
