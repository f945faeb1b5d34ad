package dev.closewait.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one warning of an agent that turned itself off: what it says of the fault, and what it leaves out. */
class FaultCauseTest {

    private static Throwable thrownAt(Throwable fault, String className) {
        fault.setStackTrace(new StackTraceElement[]{new StackTraceElement(className, "run", "X.java", 7)});
        return fault;
    }

    @Test
    void aFaultOfTheAgentsOrTheJdksOwnSaysItsMessageWithAnyJdbcUrlMasked() {
        assertEquals("java.lang.NullPointerException: Cannot read field \"x\" at dev.closewait.agent.track.A.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new NullPointerException("Cannot read field \"x\""), "dev.closewait.agent.track.A")));
        assertEquals("java.lang.IllegalStateException: bad jdbc:postgresql://db/x?password=**** at java.util.B.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new IllegalStateException("bad jdbc:postgresql://db/x?password=s3cret"),
                        "java.util.B")));
    }

    @Test
    void aFaultThrownByTheApplicationsCodeLeavesItsMessageOut() {
        assertEquals("java.lang.IllegalStateException (its message left out: thrown by com.acme.GuardedSocket, not by"
                        + " closewait) at com.acme.GuardedSocket.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new IllegalStateException("api key sk_live_51HxSecretValue"),
                        "com.acme.GuardedSocket")));
        assertEquals("java.lang.IllegalStateException (its message left out: thrown by dev.closewait.it.App, not by"
                        + " closewait) at dev.closewait.it.App.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new IllegalStateException("k"), "dev.closewait.it.App")), "the project's tests are not the agent");
        assertEquals("java.lang.IllegalStateException at com.acme.C.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new IllegalStateException(), "com.acme.C")));
    }

    @Test
    void aFaultWithoutAStackIsTheJvmsAndItsMessageIsPrintable() {
        Throwable preallocated = new OutOfMemoryError("Java heap space");
        preallocated.setStackTrace(new StackTraceElement[0]);
        assertEquals("java.lang.OutOfMemoryError: Java heap space", AgentRuntime.cause(preallocated));
        assertEquals("java.lang.IllegalStateException: a\\nb at java.util.B.run(X.java:7)",
                AgentRuntime.cause(thrownAt(new IllegalStateException("a\nb"), "java.util.B")));
    }
}
