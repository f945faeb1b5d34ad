package dev.closewait.agent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Installs the agent's instrumentation: the socket targets always, the JDBC targets unless turned
 * off, the exit targets when {@code failOnLeak} asks. Start-up stays cheap: the transformer passes
 * the JDK's targets, by name, to a plain class-file visitor ({@link JdkWeaver}: Byte Buddy does not start
 * for them), and passes Byte Buddy's engine only library classes, by name, and the classes
 * {@link JdbcTypeFilter} finds to be JDBC types. Classes already loaded are found directly and
 * retransformed, instead of Byte Buddy describing every loaded class.
 */
public final class Instrumenter {

    private final Instrumentation instrumentation;
    private final Consumer<String> warn;
    private boolean exitInstalled;

    /** @param warn hears, once each, of classes that loaded later and could not be instrumented */
    public Instrumenter(Instrumentation instrumentation, Consumer<String> warn) {
        this.instrumentation = instrumentation;
        this.warn = warn;
    }

    /**
     * Instruments socket creation and close, where the platform MBean server is made, where the
     * attach API asks for agent properties (the live report), and JDBC connects and closes if {@code jdbc}.
     *
     * @return the problems met while installing, one line each; empty when all went well
     */
    public List<String> installSockets(boolean jdbc) {
        Class<?>[] jdbcInterfaces = jdbc ? jdbcInterfaces() : null;
        boolean withJdbc = jdbcInterfaces != null;
        JdbcTypeFilter jdbcTypes = new JdbcTypeFilter();
        Sink errors = new Sink(warn);
        List<JdkTarget> jdkTargets = new ArrayList<>(SocketTargets.all());
        jdkTargets.addAll(ManagementTargets.all());
        jdkTargets.addAll(LiveReportTargets.all());
        JdkWeaver jdk = new JdkWeaver(jdkTargets, errors);
        WeavingEngine engine = new WeavingEngine(Instrumenter.class.getClassLoader(), () -> {
            List<Target> targets = new ArrayList<>(LibraryTargets.all());
            if (withJdbc) {
                targets.addAll(JdbcTargets.all());
            }
            return targets;
        }, errors);
        instrumentation.addTransformer(new Filter(jdk, engine, LibraryTargets::wants, withJdbc ? jdbcTypes : null), true);

        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            String internalName = type.getName().replace('.', '/');
            if (jdk.wants(internalName) || LibraryTargets.wants(internalName)) {
                loaded.add(type);
            } else if (withJdbc && jdbcTypes.isJdbcType(type, jdbcInterfaces)
                    && !type.isInterface() && instrumentation.isModifiableClass(type)) {
                loaded.add(type);
            }
        }
        return errors.retransformAndClose(instrumentation, loaded);
    }

    /**
     * Instruments where the JVM ends, once, so {@code failOnLeak} can set the exit status after
     * every shutdown hook.
     *
     * @return the problems met, one line each; empty when all went well (or already installed)
     */
    public synchronized List<String> installExitStatus() {
        if (exitInstalled) {
            return List.of();
        }
        exitInstalled = true;
        Sink errors = new Sink(warn);
        JdkWeaver jdk = new JdkWeaver(ExitTargets.all(), errors);
        instrumentation.addTransformer(new Filter(jdk, null, name -> false, null), true);
        List<Class<?>> loaded = new ArrayList<>();
        try {
            loaded.add(Class.forName("java.lang.Shutdown"));
        } catch (ClassNotFoundException | LinkageError missing) {
            errors.accept("java.lang.Shutdown: " + missing);
        }
        loaded.add(Thread.class);
        return errors.retransformAndClose(instrumentation, loaded);
    }

    /** {@code java.sql.Driver} and {@code Connection}, or {@code null} on a runtime without the java.sql module. */
    private static Class<?>[] jdbcInterfaces() {
        try {
            ClassLoader platform = ClassLoader.getPlatformClassLoader();
            return new Class<?>[] {Class.forName(JdbcTargets.DRIVER, false, platform),
                Class.forName(JdbcTargets.CONNECTION, false, platform)};
        } catch (ClassNotFoundException | LinkageError noJavaSql) {
            return null;
        }
    }

    /**
     * Passes each class to the weaver that may want it: the JDK's targets, by name, to the plain
     * visitor; library classes by name and JDBC types by their header to Byte Buddy's engine.
     */
    private static final class Filter implements ClassFileTransformer {
        private final JdkWeaver jdk;
        private final WeavingEngine engine;
        private final java.util.function.Predicate<String> names;
        private final JdbcTypeFilter jdbcTypes;

        Filter(JdkWeaver jdk, WeavingEngine engine, java.util.function.Predicate<String> names,
               JdbcTypeFilter jdbcTypes) {
            this.jdk = jdk;
            this.engine = engine;
            this.names = names;
            this.jdbcTypes = jdbcTypes;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                                ProtectionDomain protectionDomain, byte[] classfileBuffer) {
            if (className == null || classfileBuffer == null) {
                return null;
            }
            if (jdk.wants(className)) {
                return loader == null || loader == ClassLoader.getPlatformClassLoader()
                        ? jdk.transform(className, classfileBuffer) : null;
            }
            boolean wanted = names.test(className) || jdbcTypes != null && jdbcTypes.isJdbcType(classfileBuffer, loader);
            return wanted ? Privileged.call(() -> engine.transform(loader, className, classfileBuffer)) : null;
        }
    }

    /**
     * Where weaving errors go: collected while installing (for one line at start-up), then to the
     * warning channel as they happen.
     */
    private static final class Sink implements Consumer<String> {
        private final Consumer<String> warn;
        private final List<String> collected = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean installed;

        Sink(Consumer<String> warn) {
            this.warn = warn;
        }

        @Override
        public void accept(String error) {
            if (installed) {
                warn.accept(error.replaceFirst(": ", " could not be instrumented: "));
            } else {
                collected.add(error);
            }
        }

        List<String> retransformAndClose(Instrumentation instrumentation, List<Class<?>> loaded) {
            for (Class<?> type : loaded) {
                try {
                    instrumentation.retransformClasses(type);
                } catch (Exception | LinkageError refused) {
                    collected.add(type.getName() + ": " + refused);
                }
            }
            installed = true;
            synchronized (collected) {
                return new ArrayList<>(collected);
            }
        }
    }
}
