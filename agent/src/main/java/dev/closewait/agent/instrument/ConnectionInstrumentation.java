package dev.closewait.agent.instrument;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.net.Socket;
import java.net.SocketAddress;
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
 * Start-up stays cheap: one Byte Buddy transformer sits behind a filter that passes it only the
 * four JDK socket classes by name and, for JDBC, classes outside the JDK whose bytes mention
 * {@code java/sql/} (every implementation's {@code close()} throws {@code SQLException}) and whose
 * super class or interfaces lead to {@code Driver} or {@code Connection}; supertypes are read from
 * their class-file headers, once each. Classes already loaded are found directly and
 * retransformed, instead of Byte Buddy describing every loaded class. The recipe (retransformation without class format changes,
 * decoration, pool-first descriptions, an ignore list of our own) works on JDK 11 to 25.
 */
public final class ConnectionInstrumentation {

    private static final String SOCKET = Socket.class.getName();
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
        // Byte Buddy's Nexus would touch sun.misc.Unsafe (a warning on JDK 25); decorated advice needs none of it.
        System.setProperty(Nexus.PROPERTY, "true");
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        Class<?>[] jdbcTypes = jdbc ? jdbcTypes() : null;
        ClassLoader agentLoader = ConnectionInstrumentation.class.getClassLoader();

        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
                .ignore(ignored())
                .type(named(SOCKET))
                .transform(advice(agentLoader)
                        .advice(named("connect").and(takesArguments(SocketAddress.class, int.class)),
                                SocketAdvice.Connect.class.getName())
                        .advice(named("close").and(takesNoArguments()), SocketAdvice.Close.class.getName()))
                .type(named(SERVER_SOCKET))
                .transform(advice(agentLoader)
                        .advice(named("implAccept").and(takesArguments(Socket.class)),
                                SocketAdvice.ImplAccept.class.getName()))
                .type(named(SOCKET_CHANNEL_IMPL))
                .transform(advice(agentLoader)
                        .advice(named("connect").and(takesArguments(SocketAddress.class)).and(returns(boolean.class)),
                                SocketAdvice.ChannelConnected.class.getName())
                        .advice(named("finishConnect").and(takesNoArguments()).and(returns(boolean.class)),
                                SocketAdvice.ChannelConnected.class.getName())
                        .advice(named("blockingConnect").and(takesArguments(SocketAddress.class, long.class)),
                                SocketAdvice.ChannelBlockingConnect.class.getName())
                        .advice(named("implCloseSelectableChannel").and(takesNoArguments()),
                                SocketAdvice.ChannelClose.class.getName()))
                .type(named(SERVER_SOCKET_CHANNEL_IMPL))
                .transform(advice(agentLoader)
                        .advice(named("accept").and(takesNoArguments()), SocketAdvice.ChannelAccept.class.getName())
                        .advice(named("blockingAccept").and(takesArguments(long.class)),
                                SocketAdvice.ChannelAccept.class.getName()));
        if (jdbcTypes != null) {
            ElementMatcher.Junction<TypeDescription> concrete = not(isInterface());
            builder = builder
                    .type(concrete.and(hasSuperType(named(DRIVER))))
                    .transform(advice(agentLoader)
                            .advice(named("connect").and(takesArguments(String.class, Properties.class))
                                    .and(not(isAbstract())), JdbcAdvice.DriverConnect.class.getName()))
                    .type(concrete.and(hasSuperType(named(CONNECTION))))
                    .transform(advice(agentLoader)
                            .advice(named("close").and(takesNoArguments()).and(not(isAbstract())),
                                    JdbcAdvice.ConnectionClose.class.getName()))
                    .type(named(MSSQL_CONNECTION))
                    .transform(advice(agentLoader)
                            .advice(named("connect").and(takesArguments(2)).and(takesArgument(0, Properties.class)),
                                    JdbcAdvice.DriverOwnConnect.class.getName()));
        }
        ErrorCollector collector = new ErrorCollector(errors);
        instrumentation.addTransformer(new Prefilter(builder.with(collector).makeRaw(), jdbcTypes != null), true);

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
        ClassLoader agentLoader = ConnectionInstrumentation.class.getClassLoader();
        ClassFileTransformer transformer = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
                .with(new ErrorCollector(errors))
                .ignore(ignored())
                .type(named("java.lang.Shutdown"))
                .transform(advice(agentLoader)
                        .advice(named("halt").and(takesArguments(int.class)), ExitAdvice.Halt.class.getName())
                        .advice(named("shutdown").and(takesNoArguments()), ExitAdvice.AfterHooks.class.getName()))
                .type(named("java.lang.Thread"))
                .transform(advice(agentLoader)
                        .advice(named("dispatchUncaughtException").and(takesArguments(Throwable.class)),
                                ExitAdvice.Uncaught.class.getName()))
                .makeRaw();
        Set<String> names = Set.of("java/lang/Shutdown", "java/lang/Thread");
        instrumentation.addTransformer(new ByName(transformer, names), true);
        try {
            instrumentation.retransformClasses(Class.forName("java.lang.Shutdown"), Thread.class);
        } catch (Exception | LinkageError refused) {
            errors.add("java.lang.Shutdown: " + refused);
        }
        return errors;
    }

    /** Passes Byte Buddy only the classes it has advice for, by internal name. */
    private static final class ByName implements ClassFileTransformer {
        private final ClassFileTransformer delegate;
        private final Set<String> names;

        ByName(ClassFileTransformer delegate, Set<String> names) {
            this.delegate = delegate;
            this.names = names;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                                ProtectionDomain protectionDomain, byte[] classfileBuffer)
                throws IllegalClassFormatException {
            return className != null && names.contains(className)
                    ? delegate.transform(module, loader, className, classBeingRedefined, protectionDomain, classfileBuffer)
                    : null;
        }
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

    static AgentBuilder.Transformer.ForAdvice advice(ClassLoader agentLoader) {
        // Without include(), the advice classes would be looked up through the bootstrap loader.
        return new AgentBuilder.Transformer.ForAdvice().include(agentLoader);
    }

    /** The default ignores bootstrap classes; we instrument exactly those, so we keep our own list. */
    static ElementMatcher.Junction<TypeDescription> ignored() {
        return nameStartsWith("net.bytebuddy.")
                .or(nameStartsWith("dev.closewait."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("java.lang.invoke."))
                .or(nameStartsWith("com.sun.proxy."))
                .or(nameStartsWith("jdk.proxy"))
                .or(nameContains("$$Lambda"));
    }

    /** Passes Byte Buddy only classes it may want: the socket classes by name, JDBC types by their header. */
    private static final class Prefilter implements ClassFileTransformer {
        private final ClassFileTransformer delegate;
        private final boolean jdbc;

        Prefilter(ClassFileTransformer delegate, boolean jdbc) {
            this.delegate = delegate;
            this.jdbc = jdbc;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                                ProtectionDomain protectionDomain, byte[] classfileBuffer)
                throws IllegalClassFormatException {
            boolean wanted = className != null && SOCKET_CLASSES_INTERNAL.contains(className)
                    || jdbc && !isJdk(loader) && classfileBuffer != null && contains(classfileBuffer, JAVA_SQL)
                    && isJdbcType(classfileBuffer, loader, 0);
            return wanted
                    ? delegate.transform(module, loader, className, classBeingRedefined, protectionDomain, classfileBuffer)
                    : null;
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
     * Where transformation errors go: collected during {@link #install} (start-up reports them),
     * printed once each afterwards, when a class loaded later could not be instrumented.
     */
    private static volatile java.util.function.Consumer<String> lateErrors = message -> System.err.println(message);

    /** Where errors met after start-up are told (the agent's log). */
    public static void reportLateErrorsTo(java.util.function.Consumer<String> sink) {
        lateErrors = sink;
    }

    /** Collects transformation errors so start-up can report them once; later ones are printed. */
    private static final class ErrorCollector extends AgentBuilder.Listener.Adapter {
        private final List<String> errors;
        private volatile boolean installed;

        ErrorCollector(List<String> errors) {
            this.errors = errors;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            String error = typeName + ": " + throwable;
            if (installed) {
                lateErrors.accept("WARNING: " + typeName + " could not be instrumented; its sockets are not"
                        + " tracked: " + throwable);
            } else {
                errors.add(error);
            }
        }
    }
}
