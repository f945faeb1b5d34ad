package dev.closewait.agent.track;

import java.net.Socket;

/**
 * Whether a class of sockets overrides a getter of {@link Socket} that the registry would call when
 * it opens ({@code getInetAddress}, {@code getPort}, {@code getLocalPort}, {@code isClosed}, or
 * {@code isConnected} and {@code isBound}, which those call): the application's own code then runs
 * inside its connect, and may take its locks or throw. The registry reads such a socket's fields
 * instead. The JDK's own subclasses (TLS sockets) override them too, with JDK code: called as
 * before. Decided once per class.
 */
final class OverriddenGetters {

    private static final String[] GETTERS = {"getInetAddress", "getPort", "getLocalPort", "isClosed", "isConnected", "isBound"};

    private static final ClassValue<Boolean> OVERRIDES = new ClassValue<Boolean>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            ClassLoader loader = type.getClassLoader();
            if (loader == null || loader == ClassLoader.getPlatformClassLoader()) {
                return Boolean.FALSE; // the JDK's own (TLS sockets, channels' adaptors): its code, not the application's
            }
            try {
                for (Class<?> c = type; c != null && c != Socket.class; c = c.getSuperclass()) {
                    for (String getter : GETTERS) {
                        try {
                            c.getDeclaredMethod(getter);
                            return Boolean.TRUE;
                        } catch (NoSuchMethodException notHere) {
                            // on to the next
                        }
                    }
                }
                return Boolean.FALSE;
            } catch (LinkageError | RuntimeException unlisted) {
                // A method's signature names a class that is missing, or a security manager says no:
                // its getters cannot be told apart, so they are not called.
                return Boolean.TRUE;
            }
        }
    };

    private OverriddenGetters() {
    }

    /** Whether {@code type}, a {@link Socket} class, or one between it and {@code Socket}, declares one of the getters. */
    static boolean in(Class<?> type) {
        return type != Socket.class && OVERRIDES.get(type);
    }
}
