package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.ConnectionEvents;
import dev.closewait.agent.boot.EventBridge;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JdkWeaverTest {

    private static final String FIXTURE = WovenFixture.class.getName().replace('.', '/');
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final Recorder events = new Recorder();

    @BeforeEach
    void install() {
        EventBridge.install(events);
    }

    @AfterEach
    void uninstall() {
        EventBridge.install(null);
    }

    @Test
    void everyJdkTargetIsWovenIntoThisJdksClasses() throws IOException {
        List<JdkTarget> all = new ArrayList<>(SocketTargets.all());
        all.addAll(ExitTargets.all());
        all.addAll(ManagementTargets.all());
        all.addAll(LiveReportTargets.all());
        JdkWeaver weaver = new JdkWeaver(all, errors::add);
        for (JdkTarget target : all) {
            byte[] woven = weaver.transform(target.owner, jdkClassFile(target.owner));
            assertNotNull(woven, target.owner + " was not woven: " + errors);
            int calls = bridgeCalls(woven).getOrDefault(target.method, 0);
            assertTrue(calls > 0, target.owner + "." + target.method + " has no call to the bridge in " + System.getProperty("java.version"));
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void aClassWithoutTargetsIsLeftAlone() throws IOException {
        JdkWeaver weaver = new JdkWeaver(SocketTargets.all(), errors::add);
        assertNull(weaver.transform("java/lang/String", jdkClassFile("java/lang/String")));
        assertNull(weaver.transform(FIXTURE, fixtureClassFile()));
    }

    @Test
    void aConnectIsHeardOnEveryNormalReturnAndNeverWhenItThrows() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "connect", "(Ljava/lang/Object;I)V", JdkHook.CONNECTED));
        Object fixture = woven.getConstructor().newInstance();
        Method connect = woven.getMethod("connect", Object.class, int.class);
        connect.invoke(fixture, "here", 3);
        connect.invoke(fixture, "here", 7);
        InvocationTargetException refused = assertThrows(InvocationTargetException.class,
                () -> connect.invoke(fixture, "here", -1));
        assertEquals("refused", refused.getCause().getMessage());
        assertEquals(List.of("opened CONNECT " + id(fixture), "opened CONNECT " + id(fixture)), events.heard);
    }

    @Test
    void aBooleanConnectIsHeardOnlyWhenItReturnsTrueAndReturnsWhatItDid() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "finishConnect", "(I)Z", JdkHook.CONNECTED_IF_TRUE));
        Object fixture = woven.getConstructor().newInstance();
        Method finish = woven.getMethod("finishConnect", int.class);
        assertEquals(false, finish.invoke(fixture, 0));
        assertEquals(true, finish.invoke(fixture, 1));
        assertEquals(List.of("opened CONNECT " + id(fixture)), events.heard);
    }

    @Test
    void aCloseIsHeardAsItBeginsEvenWhenItThrows() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "close", "()V", JdkHook.CLOSING));
        Object fixture = woven.getConstructor().newInstance();
        woven.getField("haltedWith").setInt(null, -2);
        InvocationTargetException failed = assertThrows(InvocationTargetException.class,
                () -> woven.getMethod("close").invoke(fixture));
        assertEquals("close failed", failed.getCause().getMessage());
        assertEquals(List.of("closed " + id(fixture)), events.heard);
    }

    @Test
    void anAcceptHandsOverWhatItReturnsUnchanged() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "accept", "(Ljava/lang/Object;)", JdkHook.ACCEPTED_RESULT));
        Object fixture = woven.getConstructor().newInstance();
        Object accepted = new Object();
        assertEquals(accepted, woven.getMethod("accept", Object.class).invoke(fixture, accepted));
        assertNull(woven.getMethod("accept", Object.class).invoke(fixture, (Object) null));
        assertEquals(List.of("opened ACCEPT " + id(accepted)), events.heard);
    }

    @Test
    void everyConstructorThatReturnsIsHeardOnce() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "<init>", null, JdkHook.CHANNEL_CREATED));
        Object made = woven.getConstructor().newInstance();
        assertThrows(InvocationTargetException.class, () -> woven.getConstructor(boolean.class).newInstance(true));
        // the no-argument constructor returns through the other one: heard once for each return reached
        assertEquals(List.of("created " + id(made), "created " + id(made)), events.heard);
    }

    @Test
    void theBridgeMayReplaceAReturnedValueAndAnArgument() throws Exception {
        Class<?> woven = weave(new JdkTarget(FIXTURE, "serialize", "()[B", JdkHook.AGENT_PROPERTIES),
                new JdkTarget(FIXTURE, "halt", "(I)V", JdkHook.EXIT_STATUS));
        assertArrayEquals(new byte[] {1, 2, 42}, (byte[]) woven.getMethod("serialize").invoke(null));
        events.status = 3;
        woven.getMethod("halt", int.class).invoke(null, 0);
        assertEquals(3, woven.getField("haltedWith").getInt(null));
        assertEquals(List.of("properties", "exitStatus 0"), events.heard);
    }

    @Test
    void aClassFileItCannotReadIsLeftAloneAndReported() {
        JdkWeaver weaver = new JdkWeaver(List.of(new JdkTarget(FIXTURE, "close", "()V", JdkHook.CLOSING)), errors::add);
        assertNull(weaver.transform(FIXTURE, new byte[] {(byte) 0xCA, (byte) 0xFE}));
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith(WovenFixture.class.getName() + ": "), errors.get(0));
    }

    private Class<?> weave(JdkTarget... targets) throws IOException, ClassNotFoundException {
        byte[] woven = new JdkWeaver(List.of(targets), errors::add).transform(FIXTURE, fixtureClassFile());
        assertNotNull(woven, "not woven: " + errors);
        return new OneClassLoader(WovenFixture.class.getName(), woven).loadClass(WovenFixture.class.getName());
    }

    private static String id(Object subject) {
        return Integer.toHexString(System.identityHashCode(subject));
    }

    private static byte[] fixtureClassFile() throws IOException {
        try (InputStream in = WovenFixture.class.getResourceAsStream("WovenFixture.class")) {
            return Objects.requireNonNull(in).readAllBytes();
        }
    }

    private static byte[] jdkClassFile(String internalName) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            assertNotNull(in, internalName + " is not in this JDK");
            return in.readAllBytes();
        }
    }

    /** Calls to the bridge, by the name of the method they are in. */
    private static Map<String, Integer> bridgeCalls(byte[] classfile) {
        Map<String, Integer> calls = new LinkedHashMap<>();
        new ClassReader(classfile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (owner.equals("dev/closewait/agent/boot/EventBridge")) {
                            calls.merge(name, 1, Integer::sum);
                        }
                    }
                };
            }
        }, 0);
        return calls;
    }

    /** Defines one class from the given bytes (so the JVM verifies them), delegating the rest. */
    private static final class OneClassLoader extends ClassLoader {
        private final String name;
        private final byte[] bytes;

        OneClassLoader(String name, byte[] bytes) {
            super(JdkWeaverTest.class.getClassLoader());
            this.name = name;
            this.bytes = bytes;
        }

        @Override
        protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(className)) {
                if (className.equals(name)) {
                    Class<?> known = findLoadedClass(className);
                    return known != null ? known : defineClass(className, bytes, 0, bytes.length);
                }
                return super.loadClass(className, resolve);
            }
        }
    }

    /** Hears the bridge's events as lines. */
    private static final class Recorder implements ConnectionEvents {
        final List<String> heard = Collections.synchronizedList(new ArrayList<>());
        volatile int status = -1;

        @Override
        public void opened(Object socket, int origin) {
            heard.add("opened " + (origin == ORIGIN_ACCEPT ? "ACCEPT " : "CONNECT ") + id(socket));
        }

        @Override
        public void nativeOpened(Object socket, int fd) {
            heard.add("nativeOpened");
        }

        @Override
        public void closed(Object socket) {
            heard.add("closed " + id(socket));
        }

        @Override
        public void jdbcConnectStarted(Object driver, String url, Object info, Object connection) {
            heard.add("jdbcConnectStarted");
        }

        @Override
        public void jdbcConnectEnded(Object result, Throwable thrown) {
            heard.add("jdbcConnectEnded");
        }

        @Override
        public void jdbcClosed(Object connection) {
            heard.add("jdbcClosed");
        }

        @Override
        public int exitStatus(int proposed) {
            heard.add("exitStatus " + proposed);
            return status;
        }

        @Override
        public void uncaughtException(Thread thread) {
            heard.add("uncaught");
        }

        @Override
        public void requestStarted(Object request) {
            heard.add("requestStarted");
        }

        @Override
        public void actingFor(Object request) {
            heard.add("actingFor");
        }

        @Override
        public void requestEnded() {
            heard.add("requestEnded");
        }

        @Override
        public void channelCreated(Object channel) {
            heard.add("created " + id(channel));
        }

        @Override
        public void pool(int library, int event, Object resource, Object detail) {
            heard.add("pool");
        }

        @Override
        public void platformMBeanServer(Object server) {
            heard.add("mbeanServer");
        }

        @Override
        public byte[] agentPropertiesRequested(byte[] serialized) {
            heard.add("properties");
            byte[] more = java.util.Arrays.copyOf(serialized, serialized.length + 1);
            more[serialized.length] = 42;
            return more;
        }

        @Override
        public void failed(Throwable fault) {
            heard.add("failed " + fault);
        }
    }
}
