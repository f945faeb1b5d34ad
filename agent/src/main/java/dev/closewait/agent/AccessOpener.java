package dev.closewait.agent;

import java.lang.reflect.AccessibleObject;
import java.util.function.Consumer;

/**
 * Makes a member accessible from {@link PrivateModule}'s module, the only one a JDK package is
 * opened to. Loaded only there; public for that loader, not for use.
 */
public final class AccessOpener implements Consumer<AccessibleObject> {

    @Override
    public void accept(AccessibleObject member) {
        member.setAccessible(true);
    }
}
