package dev.closewait.agent.instrument;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.TypeResolutionStrategy;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Installs the advice: creation and close of sockets in the JDK (never reads or writes), and, unless
 * turned off, JDBC connect scopes and connection close in every driver.
 * <ul>
 *   <li>Sockets: {@code Socket.connect}/{@code close}, {@code ServerSocket.implAccept},
 *       {@code SocketChannelImpl} connect/finishConnect/blockingConnect/close and
 *       {@code ServerSocketChannelImpl} accept/blockingAccept.</li>
 *   <li>JDBC: {@code Driver.connect} of every driver in any class loader, {@code Connection.close()},
 *       and mssql-jdbc's own {@code SQLServerConnection.connect(Properties, SQLServerPooledConnection)},
 *       through which it also reconnects an idle broken connection.</li>
 * </ul>
 * Start-up stays cheap: one transformer sits behind a filter that passes it only the four JDK
 * socket classes by name and, for JDBC, classes outside the JDK whose bytes mention {@code java/sql/}
 * (every implementation's {@code close()} throws {@code SQLException}) and whose super class or
 * interfaces lead to {@code Driver} or {@code Connection}; supertypes are read from their class-file
 * headers, once each. Classes already loaded are found directly and retransformed, instead of
 * Byte Buddy describing every loaded class.
 *
 * <p>The transformer weaves Byte Buddy's {@link Advice} into a decoration of the class (no change of
 * the class format, so retransformation works), describing types from class files rather than
 * loaded classes, with an ignore list of our own: the recipe that works on JDK 11 to 25. Two choices
 * keep start-up short (they took the agent's start-up cost from about 415 ms to about 100 ms):
 * <ul>
 *   <li>Byte Buddy's type writer is called directly, not through {@code AgentBuilder}, whose
 *       transformer generates and loads a class of its own when it is made;</li>
 *   <li>nothing of Byte Buddy runs before a class to weave loads: the agent does not load the
 *       socket classes itself, and each advice is read when a class first needs it.</li>
 * </ul>
 */
public final class ConnectionInstrumentation {

    private static final String SOCKET = "java.net.Socket";
    private static final String SOCKET_ADDRESS = "java.net.SocketAddress";
    private static final String SERVER_SOCKET = "java.net.ServerSocket";
    private static final String SOCKET_CHANNEL_IMPL = "sun.nio.ch.SocketChannelImpl";
    private static final String SERVER_SOCKET_CHANNEL_IMPL = "sun.nio.ch.ServerSocketChannelImpl";
    private static final Set<String> SOCKET_CLASSES_INTERNAL = Set.of("java/net/Socket", "java/net/ServerSocket",
            "sun/nio/ch/SocketChannelImpl", "sun/nio/ch/ServerSocketChannelImpl");
    private static final Set<String> SOCKET_CLASSES = Set.of(SOCKET, SERVER_SOCKET, SOCKET_CHANNEL_IMPL,
            SERVER_SOCKET_CHANNEL_IMPL);

    private static final String DRIVER = "java.sql.Driver";
    private static final String CONNECTION = "java.sql.Connection";
    private static final String MSSQL_CONNECTION = "com.microsoft.sqlserver.jdbc.SQLServerConnection";
    private static final byte[] JAVA_SQL = "java/sql/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Internal names of java.sql.Driver, java.sql.Connection and the types found extending them. */
    private static final Set<String> JDBC_TYPES = ConcurrentHashMap.newKeySet();
    /** Internal names of types found not to extend them. */
    private static final Set<String> NOT_JDBC_TYPES = ConcurrentHashMap.newKeySet();

    private ConnectionInstrumentation() {
    }

    /**
     * Installs the transformer and retransforms the classes already loaded.
     *
     * @param jdbc whether to instrument JDBC drivers too
     * @return the problems met, one line each; empty when all went well
     */
    public static List<String> install(Instrumentation instrumentation, boolean jdbc) {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        Class<?>[] jdbcTypes = jdbc ? jdbcTypes() : null;
        boolean withJdbc = jdbcTypes != null;
        Weaver weaver = new Weaver(ConnectionInstrumentation.class.getClassLoader(), () -> weavings(withJdbc), errors);
        instrumentation.addTransformer(new Prefilter(weaver, jdbcTypes != null), true);

        List<Class<?>> loaded = new ArrayList<>();
        if (jdbcTypes != null) {
            JDBC_TYPES.add(DRIVER.replace('.', '/'));
            JDBC_TYPES.add(CONNECTION.replace('.', '/'));
        }
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            if (SOCKET_CLASSES.contains(type.getName())) {
                loaded.add(type);
            } else if (jdbcTypes != null && isJdbcType(type, jdbcTypes)) {
                JDBC_TYPES.add(type.getName().replace('.', '/'));
                if (!type.isInterface() && instrumentation.isModifiableClass(type)) {
                    loaded.add(type);
                }
            }
        }
        for (Class<?> type : loaded) {
            try {
                instrumentation.retransformClasses(type);
            } catch (Exception | LinkageError refused) {
                errors.add(type.getName() + ": " + refused);
            }
        }
        weaver.installed = true;
        return errors;
    }

    /**
     * Instruments where the JDK ends the JVM ({@code java.lang.Shutdown}) and where threads die of
     * uncaught exceptions, so {@code failOnLeak} can set the exit status after every shutdown hook.
     * Only installed when that option is on.
     *
     * @return the problems met, one line each; empty when all went well
     */
    public static List<String> installExitStatus(Instrumentation instrumentation) {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        Weaver weaver = new Weaver(ConnectionInstrumentation.class.getClassLoader(), () -> List.of(
                new Weaving(named("java.lang.Shutdown"), named("halt").and(takesArguments(1))
                        .and(takesArgument(0, int.class)), ExitAdvice.Halt.class),
                new Weaving(named("java.lang.Shutdown"), named("shutdown").and(takesNoArguments()),
                        ExitAdvice.AfterHooks.class),
                new Weaving(named("java.lang.Thread"), named("dispatchUncaughtException").and(takesArguments(1))
                        .and(takesArgument(0, Throwable.class)), ExitAdvice.Uncaught.class)), errors);
        Set<String> names = Set.of("java/lang/Shutdown", "java/lang/Thread");
        instrumentation.addTransformer(new ClassFileTransformer() {
            @Override
            public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                                    ProtectionDomain protectionDomain, byte[] classfileBuffer) {
                return className != null && names.contains(className)
                        ? weaver.transform(loader, className, classfileBuffer) : null;
            }
        }, true);
        try {
            instrumentation.retransformClasses(Class.forName("java.lang.Shutdown"), Thread.class);
        } catch (Exception | LinkageError refused) {
            errors.add("java.lang.Shutdown: " + refused);
        }
        weaver.installed = true;
        return errors;
    }

    /** Where errors met after start-up go, when a class loaded later could not be instrumented. */
    private static volatile java.util.function.Consumer<String> lateErrors = System.err::println;

    /** Sends errors met after start-up to {@code sink} (the agent's log). */
    public static void reportLateErrorsTo(java.util.function.Consumer<String> sink) {
        lateErrors = sink;
    }

    /** Which advice goes into which methods of which types; with {@code jdbc}, the JDBC advice too. */
    private static List<Weaving> weavings(boolean jdbc) {
        List<Weaving> weavings = new ArrayList<>(List.of(
                new Weaving(named(SOCKET), named("connect").and(takesArguments(2))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(takesArgument(1, int.class)),
                        SocketAdvice.Connect.class),
                new Weaving(named(SOCKET), named("close").and(takesNoArguments()), SocketAdvice.Close.class),
                new Weaving(named(SERVER_SOCKET), named("implAccept").and(takesArguments(1))
                        .and(takesArgument(0, named(SOCKET))), SocketAdvice.ImplAccept.class),
                new Weaving(named(SOCKET_CHANNEL_IMPL), named("connect").and(takesArguments(1))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(returns(boolean.class)),
                        SocketAdvice.ChannelConnected.class),
                new Weaving(named(SOCKET_CHANNEL_IMPL), named("finishConnect").and(takesNoArguments())
                        .and(returns(boolean.class)), SocketAdvice.ChannelConnected.class),
                new Weaving(named(SOCKET_CHANNEL_IMPL), named("blockingConnect").and(takesArguments(2))
                        .and(takesArgument(0, named(SOCKET_ADDRESS))).and(takesArgument(1, long.class)),
                        SocketAdvice.ChannelBlockingConnect.class),
                new Weaving(named(SOCKET_CHANNEL_IMPL), named("implCloseSelectableChannel").and(takesNoArguments()),
                        SocketAdvice.ChannelClose.class),
                new Weaving(named(SERVER_SOCKET_CHANNEL_IMPL), named("accept").and(takesNoArguments()),
                        SocketAdvice.ChannelAccept.class),
                new Weaving(named(SERVER_SOCKET_CHANNEL_IMPL), named("blockingAccept").and(takesArguments(1))
                        .and(takesArgument(0, long.class)), SocketAdvice.ChannelAccept.class)));
        if (jdbc) {
            ElementMatcher.Junction<TypeDescription> concrete = not(isInterface());
            weavings.add(new Weaving(concrete.and(hasSuperType(named(DRIVER))), named("connect")
                    .and(takesArguments(2)).and(takesArgument(0, String.class))
                    .and(takesArgument(1, Properties.class)).and(not(isAbstract())), JdbcAdvice.DriverConnect.class));
            weavings.add(new Weaving(concrete.and(hasSuperType(named(CONNECTION))),
                    named("close").and(takesNoArguments()).and(not(isAbstract())), JdbcAdvice.ConnectionClose.class));
            weavings.add(new Weaving(named(MSSQL_CONNECTION), named("connect").and(takesArguments(2))
                    .and(takesArgument(0, Properties.class)), JdbcAdvice.DriverOwnConnect.class));
        }
        return weavings;
    }

    /** {@code java.sql.Driver} and {@code Connection}, or {@code null} on a runtime without the java.sql module. */
    private static Class<?>[] jdbcTypes() {
        try {
            ClassLoader platform = ClassLoader.getPlatformClassLoader();
            return new Class<?>[] {Class.forName(DRIVER, false, platform), Class.forName(CONNECTION, false, platform)};
        } catch (ClassNotFoundException | LinkageError noJavaSql) {
            return null;
        }
    }

    private static boolean isJdbcType(Class<?> type, Class<?>[] jdbcTypes) {
        if (isJdk(type.getClassLoader())) {
            return false;
        }
        for (Class<?> jdbcType : jdbcTypes) {
            if (jdbcType.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isJdk(ClassLoader loader) {
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    /** Byte Buddy's usual list ignores bootstrap classes; we instrument exactly those, so we keep our own. */
    static ElementMatcher.Junction<TypeDescription> ignored() {
        return nameStartsWith("net.bytebuddy.")
                .or(nameStartsWith("dev.closewait."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("java.lang.invoke."))
                .or(nameStartsWith("com.sun.proxy."))
                .or(nameStartsWith("jdk.proxy"))
                .or(nameContains("$$Lambda"));
    }

    /** Passes the weaver only classes it may want: the socket classes by name, JDBC types by their header. */
    private static final class Prefilter implements ClassFileTransformer {
        private final Weaver weaver;
        private final boolean jdbc;

        Prefilter(Weaver weaver, boolean jdbc) {
            this.weaver = weaver;
            this.jdbc = jdbc;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                                ProtectionDomain protectionDomain, byte[] classfileBuffer) {
            boolean wanted = className != null && classfileBuffer != null
                    && (SOCKET_CLASSES_INTERNAL.contains(className)
                        || jdbc && !isJdk(loader) && contains(classfileBuffer, JAVA_SQL)
                           && isJdbcType(classfileBuffer, loader, 0));
            return wanted ? weaver.transform(loader, className, classfileBuffer) : null;
        }

        /** Whether the class in {@code classfile} extends or implements Driver or Connection, at any depth. */
        private static boolean isJdbcType(byte[] classfile, ClassLoader loader, int depth) {
            ClassReader header;
            try {
                header = new ClassReader(classfile);
            } catch (RuntimeException notAClassFile) {
                return false;
            }
            boolean jdbcType = isJdbcType(header.getSuperName(), loader, depth);
            for (String implemented : header.getInterfaces()) {
                jdbcType = jdbcType || isJdbcType(implemented, loader, depth);
            }
            (jdbcType ? JDBC_TYPES : NOT_JDBC_TYPES).add(header.getClassName());
            return jdbcType;
        }

        /** Whether the named type is, or leads to, Driver or Connection; reads its header if not known yet. */
        private static boolean isJdbcType(String internalName, ClassLoader loader, int depth) {
            if (internalName == null || NOT_JDBC_TYPES.contains(internalName)) {
                return false;
            }
            if (JDBC_TYPES.contains(internalName)) {
                return true;
            }
            if (depth > 32 || loader == null || internalName.startsWith("java/") || internalName.startsWith("javax/")
                    || internalName.startsWith("jdk/") || internalName.startsWith("sun/")) {
                return false;
            }
            try (java.io.InputStream in = loader.getResourceAsStream(internalName + ".class")) {
                return in != null && isJdbcType(in.readAllBytes(), loader, depth + 1);
            } catch (java.io.IOException | RuntimeException unreadable) {
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

    /**
     * Weaves advice into the classes the filter passes: describes the class from its bytes (and its
     * supertypes from its class loader's class files, never by loading them), matches each advice's
     * type, and writes a decoration of the class with the advice inlined into the matching methods.
     * A failure leaves the class as it was and is collected, to be reported once.
     *
     * <p>Byte Buddy starts on the first class to weave (before that, not one of its classes is
     * loaded), and each advice is read when a class first needs it: none of it delays {@code main},
     * and an application that never loads a JDBC driver never pays for the JDBC advice.
     */
    private static final class Weaver {
        private final ClassLoader agentLoader;
        private final java.util.function.Supplier<List<Weaving>> weavingsFactory;
        private final List<String> errors;
        /** Set once install is done: later failures are printed, not collected for start-up. */
        volatile boolean installed;
        /** A class loaded while this thread weaves another is left alone (Byte Buddy loads its own classes). */
        private final ThreadLocal<Boolean> busy = new ThreadLocal<>();
        /** Made on the first weave; guarded by this. */
        private List<Weaving> weavings;
        private ElementMatcher<TypeDescription> ignored;
        private ByteBuddy byteBuddy;
        private ClassFileLocator adviceLocator;
        private TypePool advicePool;

        Weaver(ClassLoader agentLoader, java.util.function.Supplier<List<Weaving>> weavingsFactory,
               List<String> errors) {
            this.agentLoader = agentLoader;
            this.weavingsFactory = weavingsFactory;
            this.errors = errors;
        }

        byte[] transform(ClassLoader loader, String internalName, byte[] classfile) {
            if (busy.get() != null) {
                return null;
            }
            busy.set(Boolean.TRUE);
            String name = internalName.replace('/', '.');
            try {
                ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classfile),
                        ClassFileLocator.ForClassLoader.of(loader));
                TypePool pool = new TypePool.Default.WithLazyResolution(
                        TypePool.CacheProvider.Simple.withObjectType(), locator, TypePool.Default.ReaderMode.FAST);
                TypeDescription type = pool.describe(name).resolve();
                List<Weaving> weavings = weavings();
                if (ignored.matches(type)) {
                    return null;
                }
                AsmVisitorWrapper.ForDeclaredMethods methods = new AsmVisitorWrapper.ForDeclaredMethods();
                boolean matched = false;
                for (Weaving weaving : weavings) {
                    if (weaving.types.matches(type)) {
                        methods = methods.invokable(weaving.methods, advice(weaving));
                        matched = true;
                    }
                }
                return matched
                        ? byteBuddy().decorate(type, locator).visit(methods)
                                .make(TypeResolutionStrategy.Disabled.INSTANCE, pool).getBytes()
                        : null;
            } catch (Throwable failed) {
                if (installed) {
                    lateErrors.accept("WARNING: " + name + " could not be instrumented: " + failed);
                } else {
                    errors.add(name + ": " + failed);
                }
                return null;
            } finally {
                busy.remove();
            }
        }

        private synchronized List<Weaving> weavings() {
            if (weavings == null) {
                weavings = weavingsFactory.get();
                ignored = ignored();
            }
            return weavings;
        }

        private synchronized ByteBuddy byteBuddy() {
            if (byteBuddy == null) {
                byteBuddy = new ByteBuddy()
                        .with(TypeValidation.DISABLED)
                        .with(Implementation.Context.Disabled.Factory.INSTANCE)
                        .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE);
            }
            return byteBuddy;
        }

        /** The weaving's advice, read from the agent's jar (never loaded) the first time it is needed. */
        private synchronized Advice advice(Weaving weaving) {
            if (weaving.advice == null) {
                if (advicePool == null) {
                    adviceLocator = ClassFileLocator.ForClassLoader.of(agentLoader);
                    advicePool = TypePool.Default.of(adviceLocator);
                }
                weaving.advice = Advice.to(advicePool.describe(weaving.adviceClass).resolve(), adviceLocator);
            }
            return weaving.advice;
        }
    }

    /** One advice class and where it goes: methods matching {@code methods} of types matching {@code types}. */
    private static final class Weaving {
        final ElementMatcher<? super TypeDescription> types;
        final ElementMatcher<? super MethodDescription> methods;
        final String adviceClass;
        /** Guarded by the weaver. */
        Advice advice;

        Weaving(ElementMatcher<? super TypeDescription> types, ElementMatcher<? super MethodDescription> methods,
                Class<?> advice) {
            this.types = types;
            this.methods = methods;
            this.adviceClass = advice.getName();
        }
    }
}
