package dev.closewait.agent;

import dev.closewait.agent.boot.ConnectionEvents;

/**
 * The exit status a JVM ends with under {@code failOnLeak}: {@link AgentOptions#FAIL_ON_LEAK_STATUS}
 * when the run had findings and the application ended normally; the application's own non-zero
 * status is kept, and so is the launcher's 1 when {@code main} died of an exception.
 */
final class ExitPolicy {

    private ExitPolicy() {
    }

    /**
     * @param proposed         the status of {@code System.exit}, or {@link ConnectionEvents#STATUS_UNKNOWN}
     *                         when {@code main} returned or threw and the launcher decides
     * @param mainThreadFailed whether {@code main} died of an uncaught exception
     * @return the status to end with; {@code proposed} leaves it alone
     */
    static int statusToEndWith(boolean failOnLeak, int findings, int proposed, boolean mainThreadFailed) {
        if (!failOnLeak || findings == 0) {
            return proposed;
        }
        if (proposed == ConnectionEvents.STATUS_UNKNOWN) {
            return mainThreadFailed ? proposed : AgentOptions.FAIL_ON_LEAK_STATUS;
        }
        return proposed == 0 ? AgentOptions.FAIL_ON_LEAK_STATUS : proposed;
    }
}
