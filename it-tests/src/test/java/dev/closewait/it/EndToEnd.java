package dev.closewait.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the separate-JVM tests share: the agent options that make a scenario take seconds, the
 * deadlines (generous: a loaded 2-core machine runs four other builds), and the skip of a missing JDK.
 */
public final class EndToEnd {

    /** Fast scans so each scenario takes seconds: a leak is reported one second after the peer's FIN. */
    public static final String FAST = "interval=200ms,grace=1s";
    /** How long a scenario may take to reach a step, or the agent to report what it did. */
    public static final Duration REPORTED = Duration.ofSeconds(60);
    /** How long a scenario JVM may take to exit once told to. */
    public static final Duration EXIT = Duration.ofSeconds(60);

    private EndToEnd() {
    }

    /** Skips the test on a JDK that is not here; {@link dev.closewait.testing.SkipReasonPrinter} prints why. */
    public static void assumePresent(Jdk jdk) {
        assumeTrue(jdk.present(), jdk.missingReason());
    }

    /** Skips the test when {@code hostPort} (a database the CI machine runs) does not answer; {@link dev.closewait.testing.SkipReasonPrinter} prints why. */
    public static void assumeReachable(String hostPort, String what) {
        String[] parts = hostPort.split(":");
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])), 2000);
        } catch (IOException unreachable) {
            String reason = what + " is not reachable at " + hostPort + " (" + unreachable.getMessage()
                    + "): its JDBC tests are skipped";
            assumeTrue(false, reason);
        }
    }
}
