package dev.closewait.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * What went wrong in a benchmark, in one line: JMH reports a fork's exception as the suppressed
 * exception of a {@code BenchmarkException} inside a {@code RunnerException} that says only
 * "Benchmark caught the exception", and the suite runs JMH silent, so without this the cause never
 * reaches the user.
 */
final class FailureText {

    /** At most this many exceptions are named: a fork that failed in every iteration repeats itself. */
    static final int MOST = 6;

    private FailureText() {
    }

    /** Each distinct exception in {@code failure}, its causes and suppressed ones, outermost first, joined by "; ". */
    static String of(Throwable failure) {
        List<String> parts = new ArrayList<>();
        collect(failure, parts, Collections.newSetFromMap(new IdentityHashMap<>()));
        return String.join("; ", parts);
    }

    private static void collect(Throwable failure, List<String> parts, Set<Throwable> seen) {
        if (failure == null || !seen.add(failure) || parts.size() >= MOST) {
            return;
        }
        String part = failure.getMessage() == null ? failure.getClass().getName()
                : failure.getClass().getName() + ": " + failure.getMessage().strip().replaceAll("\\s+", " ");
        if (!parts.contains(part)) {
            parts.add(part);
        }
        collect(failure.getCause(), parts, seen);
        for (Throwable suppressed : failure.getSuppressed()) {
            collect(suppressed, parts, seen);
        }
    }
}
