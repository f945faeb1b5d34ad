package dev.closewait.agent.instrument;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.Instrumentation;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Installs the socket advice into the JDK: creation and close only, never reads or writes.
 * The recipe (retransformation without class format changes, decoration, pool-first descriptions,
 * an ignore list of our own) works at start-up and on attach, on JDK 11 to 25.
 */
public final class SocketInstrumentation {

    private static final String SOCKET_CHANNEL_IMPL = "sun.nio.ch.SocketChannelImpl";
    private static final String SERVER_SOCKET_CHANNEL_IMPL = "sun.nio.ch.ServerSocketChannelImpl";

    private SocketInstrumentation() {
    }

    /**
     * Instruments the socket classes, retransforming those already loaded.
     *
     * @return the problems Byte Buddy reported, one line each; empty when all went well
     */
    public static List<String> install(Instrumentation instrumentation) {
        // Byte Buddy's Nexus would touch sun.misc.Unsafe (a warning on JDK 25); decorated advice needs none of it.
        System.setProperty(Nexus.PROPERTY, "true");
        ClassLoader agentLoader = SocketInstrumentation.class.getClassLoader();
        List<String> errors = Collections.synchronizedList(new ArrayList<>());

        new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
                .with(new ErrorCollector(errors))
                .ignore(ignored())
                .type(named(Socket.class.getName()))
                .transform(advice(agentLoader)
                        .advice(named("connect").and(takesArguments(SocketAddress.class, int.class)),
                                SocketAdvice.Connect.class.getName())
                        .advice(named("close").and(takesNoArguments()), SocketAdvice.Close.class.getName()))
                .type(named("java.net.ServerSocket"))
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
                                SocketAdvice.ChannelAccept.class.getName()))
                .installOn(instrumentation);
        return errors;
    }

    private static AgentBuilder.Transformer.ForAdvice advice(ClassLoader agentLoader) {
        // Without include(), the advice classes would be looked up through the bootstrap loader.
        return new AgentBuilder.Transformer.ForAdvice().include(agentLoader);
    }

    /** The default ignores bootstrap classes; we instrument exactly those, so we keep our own list. */
    private static ElementMatcher.Junction<TypeDescription> ignored() {
        return nameStartsWith("net.bytebuddy.")
                .or(nameStartsWith("dev.closewait."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("java.lang.invoke."))
                .or(nameStartsWith("com.sun.proxy."))
                .or(nameStartsWith("jdk.proxy"))
                .or(nameContains("$$Lambda"));
    }

    /** Collects transformation errors so start-up can report them once. */
    private static final class ErrorCollector extends AgentBuilder.Listener.Adapter {
        private final List<String> errors;

        ErrorCollector(List<String> errors) {
            this.errors = errors;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            errors.add(typeName + ": " + throwable);
        }
    }
}
