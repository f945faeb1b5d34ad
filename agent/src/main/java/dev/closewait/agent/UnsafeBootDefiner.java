package dev.closewait.agent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Defines classes in the bootstrap class loader with the JDK's internal {@code Unsafe}. Loaded only
 * in {@link PrivateModule}, the only module {@code jdk.internal.misc} is exported to: the
 * application and the rest of the agent gain no access. Public for that loader, not for use: the
 * agent reaches it only through {@link Consumer}. Plain reflection on the public
 * {@code jdk.internal.misc.Unsafe}: nothing of {@code sun.misc.Unsafe}, whose memory methods print
 * a warning on JDK 24 and later.
 */
public final class UnsafeBootDefiner implements Consumer<Map<String, byte[]>> {

    /** Defines each class (binary name to class file) in the bootstrap class loader, in order. */
    @Override
    public void accept(Map<String, byte[]> classes) {
        try {
            Class<?> type = Class.forName("jdk.internal.misc.Unsafe");
            Object unsafe = type.getMethod("getUnsafe").invoke(null);
            Method define = type.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                    ClassLoader.class, ProtectionDomain.class);
            for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
                byte[] bytes = entry.getValue();
                define.invoke(unsafe, entry.getKey(), bytes, 0, bytes.length, null, null);
            }
        } catch (InvocationTargetException failed) {
            Throwable cause = failed.getCause();
            if (cause instanceof Error) {
                throw (Error) cause; // a LinkageError: a class defined twice, or a bad class file
            }
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        } catch (ReflectiveOperationException absent) {
            throw new IllegalStateException(absent);
        }
    }
}
