package dev.closewait.benchmarks.jmh;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads (JDK 21+), reached through a method handle: the module compiles with
 * {@code --release 17}. Its {@code main} prints {@value #AVAILABLE} where the JVM has them, else
 * why not, so that the suite can skip the virtual-thread benchmark, saying why, before forking for it.
 */
public final class VirtualThreads {

    /** What {@link #main} prints where this JVM has virtual threads. */
    public static final String AVAILABLE = "available";
    private static final MethodHandle NEW_PER_TASK_EXECUTOR = perTaskExecutor();
    private static final String UNAVAILABLE = unavailableReason();

    private VirtualThreads() {
    }

    public static void main(String[] args) {
        System.out.println(UNAVAILABLE == null ? AVAILABLE : UNAVAILABLE);
    }

    /** Whether this JVM runs virtual threads. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}; fails with the reason where this JVM has no virtual threads. */
    static ExecutorService newThreadPerTaskExecutor() {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
        return create();
    }

    private static ExecutorService create() {
        try {
            return (ExecutorService) NEW_PER_TASK_EXECUTOR.invokeExact();
        } catch (RuntimeException | Error failed) {
            throw failed;
        } catch (Throwable impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static MethodHandle perTaskExecutor() {
        try {
            return MethodHandles.publicLookup().findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException absent) {
            return null;
        }
    }

    /** Why there are no virtual threads here, or {@code null}: JDK 19 and 20 have the method but refuse it without preview. */
    private static String unavailableReason() {
        String jdk = "this JVM is Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")";
        if (NEW_PER_TASK_EXECUTOR == null) {
            return "no virtual threads: they need JDK 21 or later, and " + jdk;
        }
        try {
            create().shutdown();
            return null;
        } catch (UnsupportedOperationException preview) {
            return "no virtual threads: " + preview.getMessage() + "; " + jdk;
        }
    }
}
