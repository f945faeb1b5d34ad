package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.ConnectionEvents;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * What the agent weaves into a JDK method ({@link JdkTarget}): one call to the bootstrap bridge, on
 * entry or before every normal return, with its arguments pushed by a few {@link Push}es. The calls
 * add no branch, no local and no exception handler, so the method's stack map frames stay valid as
 * they are and the class is rewritten without computing anything; the bridge never throws
 * ({@code EventBridge}).
 */
enum JdkHook {

    /** {@code Socket.connect}, {@code SocketChannelImpl.blockingConnect}: {@code this} connected. */
    CONNECTED(false, "opened", "(Ljava/lang/Object;I)V", Push.THIS, Push.CONNECT),
    /** {@code SocketChannelImpl.connect}, {@code finishConnect}: {@code this} connected if the method returns true. */
    CONNECTED_IF_TRUE(false, "openedIf", "(ZLjava/lang/Object;I)V", Push.RESULT, Push.THIS, Push.CONNECT),
    /** {@code ServerSocket.implAccept(Socket)}: its argument is the accepted socket. */
    ACCEPTED_ARGUMENT(false, "opened", "(Ljava/lang/Object;I)V", Push.FIRST_ARGUMENT, Push.ACCEPT),
    /** {@code ServerSocketChannelImpl.accept}, {@code blockingAccept}: the returned channel, if any. */
    ACCEPTED_RESULT(false, "opened", "(Ljava/lang/Object;I)V", Push.RESULT, Push.ACCEPT),
    /** {@code Socket.close()}, {@code SocketChannelImpl.implCloseSelectableChannel()}: heard as the close begins. */
    CLOSING(true, "closed", "(Ljava/lang/Object;)V", Push.THIS),
    /** The constructors of {@code SocketChannelImpl}: a channel exists (a library may be asking for it). */
    CHANNEL_CREATED(false, "channelCreated", "(Ljava/lang/Object;)V", Push.THIS),
    /** {@code ManagementFactory.getPlatformMBeanServer()}: the server it returns. */
    PLATFORM_MBEAN_SERVER(false, "platformMBeanServer", "(Ljava/lang/Object;)V", Push.RESULT),
    /** {@code VMSupport.serializeAgentPropertiesToByteArray()}: the bridge answers with these bytes or others. */
    AGENT_PROPERTIES(false, "agentPropertiesRequested", "([B)[B"),
    /** {@code Shutdown.halt(int)}: the end of {@code System.exit}; the bridge may replace the status. */
    EXIT_STATUS(true, "exitStatus", "(I)I", Push.STATIC_INT_ARGUMENT) {
        @Override
        void afterCall(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ISTORE, 0);
        }
    },
    /** {@code Shutdown.shutdown()}: the hooks ran after {@code main} returned; the bridge halts if the status must change. */
    SHUTDOWN_HOOKS_RAN(false, "shutdownHooksRan", "()V"),
    /** {@code Thread.dispatchUncaughtException(Throwable)}: main dying this way makes the launcher exit with 1. */
    UNCAUGHT_EXCEPTION(true, "uncaughtException", "(Ljava/lang/Thread;)V", Push.THIS);

    /** The most a hook adds to the operand stack. */
    static final int MAX_STACK = 3;

    private static final String BRIDGE = "dev/closewait/agent/boot/EventBridge";

    /** What goes on the operand stack before the call. */
    enum Push {
        THIS(Opcodes.ALOAD, 0),
        FIRST_ARGUMENT(Opcodes.ALOAD, 1),
        STATIC_INT_ARGUMENT(Opcodes.ILOAD, 0),
        /** A copy of the value about to be returned. */
        RESULT(Opcodes.DUP, -1),
        CONNECT(Opcodes.ICONST_0 + ConnectionEvents.ORIGIN_CONNECT, -1),
        ACCEPT(Opcodes.ICONST_0 + ConnectionEvents.ORIGIN_ACCEPT, -1);

        private final int opcode;
        private final int local;

        Push(int opcode, int local) {
            this.opcode = opcode;
            this.local = local;
        }

        void write(MethodVisitor code) {
            if (local >= 0) {
                code.visitVarInsn(opcode, local);
            } else {
                code.visitInsn(opcode);
            }
        }
    }

    private final boolean onEntry;
    private final String method;
    private final String descriptor;
    private final Push[] pushes;

    JdkHook(boolean onEntry, String method, String descriptor, Push... pushes) {
        this.onEntry = onEntry;
        this.method = method;
        this.descriptor = descriptor;
        this.pushes = pushes;
    }

    /** Code woven where the method begins: the call, if this hook is heard on entry. */
    void onEnter(MethodVisitor code) {
        if (onEntry) {
            call(code);
        }
    }

    /** Code woven before every return instruction, with the returned value (if any) on the stack. */
    void beforeReturn(MethodVisitor code) {
        if (!onEntry) {
            call(code);
        }
    }

    /** What follows the call; nothing by default (the call consumes what was pushed). */
    void afterCall(MethodVisitor code) {
    }

    private void call(MethodVisitor code) {
        for (Push push : pushes) {
            push.write(code);
        }
        code.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, method, descriptor, false);
        afterCall(code);
    }
}
