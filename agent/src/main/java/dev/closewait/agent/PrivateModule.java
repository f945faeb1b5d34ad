package dev.closewait.agent;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Member;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A class loader of the agent's own, holding two small classes loaded from the agent jar: its
 * unnamed module is the only one the agent ever exports or opens a JDK package to. Neither the
 * application (whose class path is the agent's own class loader's unnamed module) nor the rest of
 * the agent gains access by it, so the JDK's modules look to the application as if no agent ran.
 * Nothing reaches the loader but this class: its classes implement JDK interfaces, and only the
 * instances made here are ever called.
 */
final class PrivateModule extends ClassLoader {

    /** {@link UnsafeBootDefiner}, named, not a class literal: that would load it in the agent's loader too. */
    static final String DEFINER = "dev.closewait.agent.UnsafeBootDefiner";
    /** {@link AccessOpener}, named for the same reason. */
    static final String OPENER = "dev.closewait.agent.AccessOpener";

    private static PrivateModule made;

    private final Instrumentation instrumentation;
    private final Consumer<Map<String, byte[]>> definer;
    private final Consumer<AccessibleObject> opener;

    @SuppressWarnings("unchecked")
    private PrivateModule(Instrumentation instrumentation) throws IOException, ReflectiveOperationException {
        super(PrivateModule.class.getClassLoader());
        this.instrumentation = instrumentation;
        this.definer = (Consumer<Map<String, byte[]>>) make(DEFINER);
        this.opener = (Consumer<AccessibleObject>) make(OPENER);
    }

    /** The module of this JVM's agent, made on first use. */
    static synchronized PrivateModule of(Instrumentation instrumentation) throws IOException, ReflectiveOperationException {
        if (made == null) {
            made = new PrivateModule(instrumentation);
        }
        return made;
    }

    /** Defines each class (binary name to class file) in the bootstrap class loader, in order. */
    void defineInBootstrap(Map<String, byte[]> classes) {
        exportOrOpen("jdk.internal.misc", Object.class.getModule(), false);
        definer.accept(classes);
    }

    /**
     * Makes a member of a JDK class accessible to the agent alone: its package is opened to this
     * module, and the member made accessible from here. The member itself the agent keeps to itself.
     */
    <T extends AccessibleObject & Member> void makeAccessible(T member) {
        Class<?> type = member.getDeclaringClass();
        exportOrOpen(type.getPackageName(), type.getModule(), true);
        opener.accept(member);
    }

    private void exportOrOpen(String packageName, Module module, boolean open) {
        Module self = getUnnamedModule();
        if (module.isNamed() && !(open ? module.isOpen(packageName, self) : module.isExported(packageName, self))) {
            Map<String, Set<Module>> to = Map.of(packageName, Set.of(self));
            instrumentation.redefineModule(module, Set.of(), open ? Map.of() : to, open ? to : Map.of(), Set.of(), Map.of());
        }
    }

    private Object make(String name) throws IOException, ReflectiveOperationException {
        byte[] bytes = BootBridge.classFile(name.replace('.', '/') + ".class");
        return defineClass(name, bytes, 0, bytes.length).getConstructor().newInstance();
    }
}
