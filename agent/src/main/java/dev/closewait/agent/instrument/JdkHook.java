package dev.closewait.agent.instrument;

import dev.closewait.agent.boot.ConnectionEvents;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * What the agent weaves into a JDK method ({@link JdkTarget}): a call to the bootstrap bridge on
 * entry or before every normal return, and nothing else. The calls add no branch, no local and no
 * exception handler, so the method's stack map frames stay valid as they are and the class is
 * rewritten without computing anything; the bridge never throws ({@code EventBridge}).
 */
enum JdkHook {

    /** {@code Socket.connect}, {@code SocketChannelImpl.blockingConnect}: {@code this} connected. */
    CONNECTED {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ALOAD, 0);
            origin(code, ConnectionEvents.ORIGIN_CONNECT);
            bridge(code, "opened", "(Ljava/lang/Object;I)V");
        }
    },
    /** {@code SocketChannelImpl.connect}, {@code finishConnect}: {@code this} connected if the method returns true. */
    CONNECTED_IF_TRUE {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitInsn(Opcodes.DUP);
            code.visitVarInsn(Opcodes.ALOAD, 0);
            origin(code, ConnectionEvents.ORIGIN_CONNECT);
            bridge(code, "openedIf", "(ZLjava/lang/Object;I)V");
        }
    },
    /** {@code ServerSocket.implAccept(Socket)}: its argument is the accepted socket. */
    ACCEPTED_ARGUMENT {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ALOAD, 1);
            origin(code, ConnectionEvents.ORIGIN_ACCEPT);
            bridge(code, "opened", "(Ljava/lang/Object;I)V");
        }
    },
    /** {@code ServerSocketChannelImpl.accept}, {@code blockingAccept}: the returned channel, if any. */
    ACCEPTED_RESULT {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitInsn(Opcodes.DUP);
            origin(code, ConnectionEvents.ORIGIN_ACCEPT);
            bridge(code, "opened", "(Ljava/lang/Object;I)V");
        }
    },
    /** {@code Socket.close()}, {@code SocketChannelImpl.implCloseSelectableChannel()}: heard as the close begins. */
    CLOSING {
        @Override
        void onEnter(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ALOAD, 0);
            bridge(code, "closed", "(Ljava/lang/Object;)V");
        }
    },
    /** The constructors of {@code SocketChannelImpl}: a channel exists (a library may be asking for it). */
    CHANNEL_CREATED {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ALOAD, 0);
            bridge(code, "channelCreated", "(Ljava/lang/Object;)V");
        }
    },
    /** {@code ManagementFactory.getPlatformMBeanServer()}: the server it returns. */
    PLATFORM_MBEAN_SERVER {
        @Override
        void beforeReturn(MethodVisitor code) {
            code.visitInsn(Opcodes.DUP);
            bridge(code, "platformMBeanServer", "(Ljava/lang/Object;)V");
        }
    },
    /** {@code VMSupport.serializeAgentPropertiesToByteArray()}: the bridge may answer with other bytes. */
    AGENT_PROPERTIES {
        @Override
        void beforeReturn(MethodVisitor code) {
            bridge(code, "agentPropertiesRequested", "([B)[B");
        }
    },
    /** {@code Shutdown.halt(int)}: the end of {@code System.exit}; the status may be replaced. */
    EXIT_STATUS {
        @Override
        void onEnter(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ILOAD, 0);
            bridge(code, "exitStatus", "(I)I");
            code.visitVarInsn(Opcodes.ISTORE, 0);
        }
    },
    /** {@code Shutdown.shutdown()}: the hooks ran after {@code main} returned; the bridge halts if the status must change. */
    SHUTDOWN_HOOKS_RAN {
        @Override
        void beforeReturn(MethodVisitor code) {
            bridge(code, "shutdownHooksRan", "()V");
        }
    },
    /** {@code Thread.dispatchUncaughtException(Throwable)}: main dying this way makes the launcher exit with 1. */
    UNCAUGHT_EXCEPTION {
        @Override
        void onEnter(MethodVisitor code) {
            code.visitVarInsn(Opcodes.ALOAD, 0);
            bridge(code, "uncaughtException", "(Ljava/lang/Thread;)V");
        }
    };

    /** The most this hook adds to the operand stack. */
    static final int MAX_STACK = 3;

    private static final String BRIDGE = "dev/closewait/agent/boot/EventBridge";

    /** Code woven where the method begins; none by default. */
    void onEnter(MethodVisitor code) {
    }

    /** Code woven before every return instruction, with the returned value (if any) on the stack; none by default. */
    void beforeReturn(MethodVisitor code) {
    }

    private static void origin(MethodVisitor code, int origin) {
        code.visitInsn(Opcodes.ICONST_0 + origin);
    }

    private static void bridge(MethodVisitor code, String method, String descriptor) {
        code.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, method, descriptor, false);
    }
}
