package dev.closewait.it;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test class or test was skipped, in the build's output: Surefire only counts skips.
 * Registered through {@code META-INF/services}; covers disabled tests (such as
 * {@code @Testcontainers(disabledWithoutDocker = true)} without Docker). Tests that skip through an
 * assumption print their own reason.
 */
public final class SkipReasonPrinter implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        System.out.println("[it-tests] SKIPPED: " + test.getDisplayName() + ": " + reason);
    }
}
