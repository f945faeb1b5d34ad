package dev.closewait.agent.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test class or test was skipped, in the build's output: Surefire only counts skips.
 * Registered through {@code META-INF/services}; covers disabled tests and tests stopped by an
 * assumption (no netlink, not root, no gcc...), one line each:
 * {@code [agent tests] SKIPPED: Class#method [leg]: reason}.
 */
public final class SkipReasonPrinter implements TestExecutionListener {

    private static final String PREFIX = "[agent tests] SKIPPED: ";

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        System.out.println(PREFIX + name(test) + ": " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            System.out.println(PREFIX + name(test) + ": " + reason(result));
        }
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
