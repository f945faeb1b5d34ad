package dev.closewait.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Writes the bridge classes to a temporary jar (deleted at exit) and appends it to the boot path. */
    static void append(Instrumentation instrumentation) throws IOException {
        Path jar = Files.createTempFile("closewait-boot-", ".jar");
        jar.toFile().deleteOnExit();
        ClassLoader agentLoader = BootBridgeJar.class.getClassLoader();
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
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
        instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    }
}
