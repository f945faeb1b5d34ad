package dev.closewait.agent;

import dev.closewait.agent.io.PrivateDirectory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Puts the bridge package ({@code dev.closewait.agent.boot}) on the bootstrap class path, so JDK
 * classes can call it. Must run before any class that names the bridge is loaded: a copy loaded
 * by the application class loader first would be a second, silent bridge.
 */
final class BootBridgeJar {

    static final String[] CLASSES = {
        "dev/closewait/agent/boot/EventBridge.class",
        "dev/closewait/agent/boot/EventBridge$Guard.class",
        "dev/closewait/agent/boot/ConnectionEvents.class",
    };

    /** The time of the jar's entries (no one reads it; the jar is deleted once appended). */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private BootBridgeJar() {
    }

    /** Whether the bridge is on the bootstrap class path already (the agent was loaded before). */
    static boolean isAppended() {
        try {
            Class.forName("dev.closewait.agent.boot.EventBridge", false, null);
            return true;
        } catch (ClassNotFoundException notYet) {
            return false;
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
    static void append(Instrumentation instrumentation) throws IOException {
        PrivateDirectory directory = PrivateDirectory.create();
        try {
            Path jar = directory.path().resolve("closewait-boot.jar");
            try (OutputStream file = new FileOutputStream(directory.newFile(jar.getFileName().toString()).toFile());
                 JarOutputStream out = new JarOutputStream(file)) {
                ClassLoader agentLoader = BootBridgeJar.class.getClassLoader();
                for (String name : CLASSES) {
                    try (InputStream in = agentLoader.getResourceAsStream(name)) {
                        if (in == null) {
                            throw new IOException("the agent jar lacks " + name);
                        }
                        JarEntry entry = new JarEntry(name);
                        entry.setTimeLocal(ENTRY_TIME);
                        out.putNextEntry(entry);
                        in.transferTo(out);
                        out.closeEntry();
                    }
                }
            }
            try (JarFile appended = new JarFile(jar.toFile())) {
                instrumentation.appendToBootstrapClassLoaderSearch(appended);
            }
            for (String name : CLASSES) {
                try {
                    Class.forName(name.replace('/', '.').replace(".class", ""), false, null);
                } catch (ClassNotFoundException notThere) {
                    throw new IOException("the bootstrap class loader did not find " + name + " in " + jar, notThere);
                }
            }
        } finally {
            directory.delete();
        }
    }
}
