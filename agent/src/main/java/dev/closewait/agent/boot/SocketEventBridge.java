package dev.closewait.agent.boot;

/**
 * The one class that instrumented JDK code calls. It lives on the bootstrap class path (the agent
 * appends a jar holding only this package), knows nothing of the agent, and forwards events to
 * the {@link SocketEvents} the agent installed.
 *
 * <p>It never throws: a fault detaches the target, so the agent turns itself off and the
 * application runs on. A thread-local guard keeps the agent's own socket and file use from
 * recursing into itself.
 */
public final class SocketEventBridge {

    private static volatile SocketEvents target;

    /** Threads that are inside the agent (or are the agent's own threads) produce no events. */
    private static final ThreadLocal<Boolean> IN_AGENT = new ThreadLocal<>();

    private SocketEventBridge() {
    }

    /** Installs the receiver of events; {@code null} stops forwarding. */
    public static void install(SocketEvents events) {
        target = events;
    }

    /** Whether events are being forwarded. */
    public static boolean isInstalled() {
        return target != null;
    }

    /** Marks the calling thread as an agent thread: its sockets are never tracked. */
    public static void markAgentThread() {
        IN_AGENT.set(Boolean.TRUE);
    }

    /** Called from instrumented connect and accept methods. */
    public static void opened(Object socket, int origin) {
        SocketEvents events = target;
        if (events == null || socket == null || IN_AGENT.get() != null) {
            return;
        }
        IN_AGENT.set(Boolean.TRUE);
        try {
            events.opened(socket, origin);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            IN_AGENT.remove();
        }
    }

    /** Called from instrumented close methods. */
    public static void closed(Object socket) {
        SocketEvents events = target;
        if (events == null || socket == null || IN_AGENT.get() != null) {
            return;
        }
        IN_AGENT.set(Boolean.TRUE);
        try {
            events.closed(socket);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            IN_AGENT.remove();
        }
    }

    private static void detach(SocketEvents events, Throwable fault) {
        if (target != events) {
            return;
        }
        target = null;
        try {
            events.failed(fault);
        } catch (Throwable ignored) {
            // The agent is already detached; nothing may reach the application.
        }
    }
}
