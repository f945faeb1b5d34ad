package dev.closewait.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Weaves {@link JdkTarget}s into the JDK's classes with a plain class-file visitor (the ASM that
 * Byte Buddy carries), without Byte Buddy's type descriptions, matchers or advice: the JDK's socket
 * classes load early, often before {@code main} makes its first connection, and describing them cost
 * that connection about a third of a second. The class is read once and written once; methods that
 * are not targets are copied as they are, and the constant pool is kept. Nothing is computed: the
 * hooks add no branch, local or handler ({@link JdkHook}). A failure leaves the class as it was and
 * goes to the error sink.
 */
final class JdkWeaver {

    private final Map<String, List<JdkTarget>> byClass = new HashMap<>();
    private final Consumer<String> errors;

    JdkWeaver(List<JdkTarget> targets, Consumer<String> errors) {
        for (JdkTarget target : targets) {
            byClass.computeIfAbsent(target.owner, owner -> new ArrayList<>()).add(target);
        }
        this.errors = errors;
    }

    /** Whether the class of internal name {@code internalName} has targets here. */
    boolean wants(String internalName) {
        return byClass.containsKey(internalName);
    }

    /** The woven class file, or {@code null} to leave the class as it is. */
    byte[] transform(String internalName, byte[] classfile) {
        List<JdkTarget> targets = byClass.get(internalName);
        if (targets == null) {
            return null;
        }
        try {
            ClassReader reader = new ClassReader(classfile);
            ClassWriter writer = new ClassWriter(reader, 0);
            Weaving weaving = new Weaving(writer, targets);
            reader.accept(weaving, 0);
            return weaving.woven ? writer.toByteArray() : null;
        } catch (Throwable failed) {
            errors.accept(internalName.replace('/', '.') + ": " + failed);
            return null;
        }
    }

    /** Passes the class through, with the hooks of its targets woven into their methods. */
    private static final class Weaving extends ClassVisitor {
        private final List<JdkTarget> targets;
        boolean woven;

        Weaving(ClassVisitor writer, List<JdkTarget> targets) {
            super(Opcodes.ASM9, writer);
            this.targets = targets;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
            if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                return method;
            }
            List<JdkHook> hooks = null;
            for (JdkTarget target : targets) {
                if (target.matches(name, descriptor)) {
                    if (hooks == null) {
                        hooks = new ArrayList<>(1);
                    }
                    hooks.add(target.hook);
                }
            }
            if (hooks == null) {
                return method;
            }
            woven = true;
            return new Hooked(method, hooks);
        }
    }

    /** One method: the hooks' code on entry and before each return. */
    private static final class Hooked extends MethodVisitor {
        private final List<JdkHook> hooks;

        Hooked(MethodVisitor method, List<JdkHook> hooks) {
            super(Opcodes.ASM9, method);
            this.hooks = hooks;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            for (JdkHook hook : hooks) {
                hook.onEnter(mv);
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
                for (JdkHook hook : hooks) {
                    hook.beforeReturn(mv);
                }
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + JdkHook.MAX_STACK, maxLocals);
        }
    }
}
