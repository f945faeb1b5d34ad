package dev.closewait.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test class or test was skipped, in the build's output: Surefire only counts skips.
 * Covers disabled tests (such as {@code @Testcontainers(disabledWithoutDocker = true)} without
 * Docker) and tests stopped by an assumption (no JDK 25, no PostgreSQL, not root, no gcc...), one
 * line each: {@code [it-tests] SKIPPED: Class#method [leg]: reason}, the module named by the test's
 * package. The one copy for the agent's, the demo's and the end-to-end tests: each of those modules
 * adds this folder to its test sources and its {@code META-INF/services} registration to its test
 * resources (build-helper, configured once in the parent POM).
 */
public final class SkipReasonPrinter implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        System.out.println(prefix(test) + name(test) + ": " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            System.out.println(prefix(test) + name(test) + ": " + reason(result));
        }
    }

    /** {@code [it-tests] SKIPPED: }, {@code [demo-webapp tests] SKIPPED: } or {@code [agent tests] SKIPPED: }. */
    private static String prefix(TestIdentifier test) {
        Object source = test.getSource().orElse(null);
        String className = source instanceof MethodSource method ? method.getClassName()
                : source instanceof ClassSource type ? type.getClassName() : "";
        String module = className.startsWith("dev.closewait.it.") ? "it-tests"
                : className.startsWith("dev.closewait.demo.") ? "demo-webapp tests" : "agent tests";
        return "[" + module + "] SKIPPED: ";
    }

    /** {@code Class#method}, with the invocation's name for a leg of a parameterized test. */
    static String name(TestIdentifier test) {
        String display = test.getDisplayName();
        Object source = test.getSource().orElse(null);
        if (source instanceof MethodSource method) {
            String className = method.getClassName();
            String name = className.substring(className.lastIndexOf('.') + 1) + "#" + method.getMethodName();
            return display.startsWith(method.getMethodName() + "(") ? name : name + " [" + display + "]";
        }
        if (source instanceof ClassSource type) {
            return type.getJavaClass().getSimpleName();
        }
        return display;
    }

    private static String reason(TestExecutionResult result) {
        String message = result.getThrowable().map(Throwable::getMessage).orElse(null);
        if (message == null) {
            return "aborted, no reason given";
        }
        String said = message.startsWith("Assumption failed: ") ? message.substring("Assumption failed: ".length()) : message;
        return said.replace('\n', ' ');
    }
}
