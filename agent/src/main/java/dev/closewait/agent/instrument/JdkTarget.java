package dev.closewait.agent.instrument;

/**
 * One JDK method the agent weaves with a plain class-file visitor ({@link JdkWeaver}): its class,
 * name and descriptor, and the {@link JdkHook} woven into it. Declared by name, so nothing of the
 * JDK class is described or loaded to decide.
 */
final class JdkTarget {

    /** The class, as an internal name ({@code java/net/Socket}). */
    final String owner;
    final String method;
    /**
     * The descriptor; or its argument part, up to and including {@code ')'}, to take any return type;
     * or {@code null} for every method of the name.
     */
    final String descriptor;
    final JdkHook hook;

    JdkTarget(String owner, String method, String descriptor, JdkHook hook) {
        this.owner = owner;
        this.method = method;
        this.descriptor = descriptor;
        this.hook = hook;
    }

    /** Whether it is the method {@code name} of descriptor {@code methodDescriptor} of its class. */
    boolean matches(String name, String methodDescriptor) {
        if (!method.equals(name)) {
            return false;
        }
        if (descriptor == null) {
            return true;
        }
        return descriptor.endsWith(")") ? methodDescriptor.startsWith(descriptor) : methodDescriptor.equals(descriptor);
    }
}
