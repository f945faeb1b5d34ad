package dev.closewait.agent.instrument;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumentation target: the advice class to inline, into the methods matching
 * {@link #methods} of the types matching {@link #types}. The advice is named by class and read from
 * the agent's jar when a class first needs it, never loaded.
 */
final class Target {

    final ElementMatcher<? super TypeDescription> types;
    final ElementMatcher<? super MethodDescription> methods;
    final String adviceClass;

    Target(ElementMatcher<? super TypeDescription> types, ElementMatcher<? super MethodDescription> methods,
           Class<?> advice) {
        this.types = types;
        this.methods = methods;
        this.adviceClass = advice.getName();
    }
}
