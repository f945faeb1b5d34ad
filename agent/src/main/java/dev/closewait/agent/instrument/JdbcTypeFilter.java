package dev.closewait.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells whether a class outside the JDK is a JDBC type: it extends or implements
 * {@code java.sql.Driver} or {@code java.sql.Connection}, at any depth. Cheap enough to stand in
 * front of every class that loads: only class files that mention {@code java/sql/} (every
 * implementation's {@code close()} throws {@code SQLException}) are read, and then only the
 * headers of their supertypes, from the class's own loader, once each. Verdicts are cached per
 * class loader (two loaders may hold different classes of one name), and a loader's cache goes
 * with the loader.
 */
final class JdbcTypeFilter {

    private static final byte[] JAVA_SQL = "java/sql/".getBytes(StandardCharsets.US_ASCII);
    private static final String DRIVER = JdbcTargets.DRIVER.replace('.', '/');
    private static final String CONNECTION = JdbcTargets.CONNECTION.replace('.', '/');
    private static final int MAX_DEPTH = 32;

    /** Per loader: internal name -> whether it is a JDBC type. */
    private final Map<ClassLoader, Map<String, Boolean>> verdicts = Collections.synchronizedMap(new WeakHashMap<>());

    /** Whether {@code loader} belongs to the JDK (bootstrap or platform): no driver is instrumented there. */
    static boolean isJdk(ClassLoader loader) {
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    /** Whether the class in {@code classfile}, loading in {@code loader}, is a JDBC type. */
    boolean isJdbcType(byte[] classfile, ClassLoader loader) {
        return !isJdk(loader) && contains(classfile, JAVA_SQL) && isJdbcType(classfile, loader, 0);
    }

    /** Whether a loaded class is a JDBC type (for classes loaded before the agent); notes the verdict. */
    boolean isJdbcType(Class<?> type, Class<?>[] jdbcInterfaces) {
        if (isJdk(type.getClassLoader())) {
            return false;
        }
        for (Class<?> jdbcInterface : jdbcInterfaces) {
            if (jdbcInterface.isAssignableFrom(type)) {
                cache(type.getClassLoader()).put(type.getName().replace('.', '/'), Boolean.TRUE);
                return true;
            }
        }
        return false;
    }

    private Map<String, Boolean> cache(ClassLoader loader) {
        return verdicts.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
    }

    private boolean isJdbcType(byte[] classfile, ClassLoader loader, int depth) {
        ClassReader header;
        try {
            header = new ClassReader(classfile);
        } catch (RuntimeException notAClassFile) {
            return false;
        }
        boolean jdbcType = leadsToJdbc(header.getSuperName(), loader, depth);
        for (String implemented : header.getInterfaces()) {
            jdbcType = jdbcType || leadsToJdbc(implemented, loader, depth);
        }
        cache(loader).put(header.getClassName(), jdbcType);
        return jdbcType;
    }

    /** Whether the named type is, or leads to, Driver or Connection; reads its header if not known yet. */
    private boolean leadsToJdbc(String internalName, ClassLoader loader, int depth) {
        if (internalName == null) {
            return false;
        }
        if (internalName.equals(DRIVER) || internalName.equals(CONNECTION)) {
            return true;
        }
        Boolean known = cache(loader).get(internalName);
        if (known != null) {
            return known;
        }
        if (depth > MAX_DEPTH || internalName.startsWith("java/") || internalName.startsWith("javax/")
                || internalName.startsWith("jdk/") || internalName.startsWith("sun/")) {
            return false;
        }
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            return in != null && isJdbcType(in.readAllBytes(), loader, depth + 1);
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
