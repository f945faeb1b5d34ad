package dev.closewait.agent.instrument;

import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.function.Supplier;

/**
 * Runs agent work with the agent's own permissions when a SecurityManager is installed (JDK 17 and
 * earlier). A class that an application-made class loader defines is transformed with the
 * application's restrictions in force: the agent's reads of its own jar (the advice) and of the
 * application's class files (their supertypes) then come back empty, silently, and nothing is
 * woven. Without a SecurityManager the work runs as it is.
 */
public final class Privileged {

    private Privileged() {
    }

    /** {@code work}'s result, computed with the agent's permissions. */
    @SuppressWarnings("removal") // AccessController: for the SecurityManager of JDK 17 and earlier
    public static <T> T call(Supplier<T> work) {
        if (System.getSecurityManager() == null) {
            return work.get();
        }
        return AccessController.doPrivileged((PrivilegedAction<T>) work::get);
    }
}
