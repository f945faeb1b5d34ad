package dev.closewait.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
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
     * Writes the bridge classes to a temporary jar (deleted at exit) and appends it to the boot path.
     * The file is named after the clock and made with an exclusive create, which never follows a
     * link. Plain {@code java.io} on purpose: {@code Files.newOutputStream} wraps a channel and, on
     * JDK 25, loads {@code SocketChannelImpl} while doing so. A socket class loaded before the agent
     * is installed must be woven at once, which moved about 0.2 s of Byte Buddy work into start-up.
     */
    static void append(Instrumentation instrumentation) throws IOException {
        File directory = new File(System.getProperty("java.io.tmpdir"));
        String prefix = "closewait-boot-" + Long.toHexString(System.nanoTime());
        File jar = new File(directory, prefix + ".jar");
        for (int attempt = 1; !jar.createNewFile(); attempt++) {
            if (attempt == 100) {
                throw new IOException("cannot create a file in " + directory + " (" + jar + " exists)");
            }
            jar = new File(directory, prefix + "-" + attempt + ".jar");
        }
        jar.deleteOnExit();
        ClassLoader agentLoader = BootBridgeJar.class.getClassLoader();
        try (OutputStream file = new FileOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (String name : CLASSES) {
                try (InputStream in = agentLoader.getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IOException("the agent jar lacks " + name);
                    }
                    out.putNextEntry(new JarEntry(name));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar));
    }
}
