package dev.closewait.agent.boot;

/**
 * The one class that instrumented code calls. It lives on the bootstrap class path (the agent
 * appends a jar holding only this package), knows nothing of the agent, and forwards events to
 * the {@link ConnectionEvents} the agent installed.
 *
 * <p>It never throws: a fault detaches the target, so the agent turns itself off and the
 * application runs on. A thread-local guard keeps the agent's own socket and file use from
 * recursing into itself: one flag per thread, looked up once per event and flipped in place, so an
 * event costs one thread-local lookup rather than a lookup, an insert and a removal. No lambdas:
 * this code runs inside every connect and close.
 */
public final class EventBridge {

    private static volatile ConnectionEvents target;

    /** Threads that are inside the agent (or are the agent's own threads) produce no events. */
    private static final ThreadLocal<boolean[]> IN_AGENT = new Guard();

    private EventBridge() {
    }

    /** Installs the receiver of events; {@code null} stops forwarding. */
    public static void install(ConnectionEvents events) {
        target = events;
    }

    /** Whether events are being forwarded. */
    public static boolean isInstalled() {
        return target != null;
    }

    /** Marks the calling thread as an agent thread: its sockets are never tracked. */
    public static void markAgentThread() {
        IN_AGENT.get()[0] = true;
    }

    /** Called from instrumented connect and accept methods. */
    public static void opened(Object socket, int origin) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(socket);
        if (inAgent == null) {
            return;
        }
        try {
            events.opened(socket, origin);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called from instrumented connects that return whether the socket is connected. */
    public static void openedIf(boolean connected, Object socket, int origin) {
        if (connected) {
            opened(socket, origin);
        }
    }

    /** Called when Netty's native transport makes a socket. */
    public static void nativeOpened(Object socket, int fd) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(socket);
        if (inAgent == null) {
            return;
        }
        try {
            events.nativeOpened(socket, fd);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called from instrumented close methods. */
    public static void closed(Object socket) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(socket);
        if (inAgent == null) {
            return;
        }
        try {
            events.closed(socket);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called on entry of {@code Driver.connect} and of a driver's own (re)connect. */
    public static void jdbcConnectStarted(Object driver, String url, Object info, Object connection) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(Boolean.TRUE);
        if (inAgent == null) {
            return;
        }
        try {
            events.jdbcConnectStarted(driver, url, info, connection);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called on exit of the methods of {@link #jdbcConnectStarted}, however they end. */
    public static void jdbcConnectEnded(Object result, Throwable thrown) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(Boolean.TRUE);
        if (inAgent == null) {
            return;
        }
        try {
            events.jdbcConnectEnded(result, thrown);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called from {@code Connection.close()} of JDBC drivers. */
    public static void jdbcClosed(Object connection) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(connection);
        if (inAgent == null) {
            return;
        }
        try {
            events.jdbcClosed(connection);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called from {@code Shutdown.halt} and after {@code Shutdown.shutdown}; see {@link ConnectionEvents#exitStatus}. */
    public static int exitStatus(int proposed) {
        ConnectionEvents events = target;
        if (events == null) {
            return proposed;
        }
        try {
            return events.exitStatus(proposed);
        } catch (Throwable fault) {
            return proposed; // never let the agent change how the JVM ends by failing
        }
    }

    /** Called where a library starts a request on the application's thread. */
    public static void requestStarted(Object request) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(Boolean.TRUE);
        if (inAgent == null) {
            return;
        }
        try {
            events.requestStarted(request);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called where a library's thread starts work for a request. */
    public static void actingFor(Object request) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(request);
        if (inAgent == null) {
            return;
        }
        try {
            events.actingFor(request);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called where {@link #requestStarted} or {@link #actingFor} work ends, however it ends. */
    public static void requestEnded() {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(Boolean.TRUE);
        if (inAgent == null) {
            return;
        }
        try {
            events.requestEnded();
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called when a JDK socket channel is made. */
    public static void channelCreated(Object channel) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(channel);
        if (inAgent == null) {
            return;
        }
        try {
            events.channelCreated(channel);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called where a known pool or cache of connections adds, lends or takes back one. */
    public static void pool(int library, int event, Object resource, Object detail) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(resource);
        if (inAgent == null) {
            return;
        }
        try {
            events.pool(library, event, resource, detail);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /** Called on exit of {@code ManagementFactory.getPlatformMBeanServer()}. */
    public static void platformMBeanServer(Object server) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(server);
        if (inAgent == null) {
            return;
        }
        try {
            events.platformMBeanServer(server);
        } catch (Throwable fault) {
            detach(events, fault);
        } finally {
            inAgent[0] = false;
        }
    }

    /**
     * Called when {@code VMSupport.serializeAgentPropertiesToByteArray()} returns (an attach
     * client asked for the agent properties): what the JVM answers, {@code serialized} itself
     * unless the agent adds its live report.
     */
    public static byte[] agentPropertiesRequested(byte[] serialized) {
        ConnectionEvents events = target;
        boolean[] inAgent = events == null ? null : enter(serialized);
        if (inAgent == null) {
            return serialized;
        }
        try {
            byte[] answer = events.agentPropertiesRequested(serialized);
            return answer == null ? serialized : answer;
        } catch (Throwable fault) {
            detach(events, fault);
            return serialized;
        } finally {
            inAgent[0] = false;
        }
    }

    /**
     * Called when {@code Shutdown.shutdown()} returns: the hooks ran after {@code main} returned, and
     * the JVM halts here with the status {@link #exitStatus} decides, if that is not the launcher's.
     */
    public static void shutdownHooksRan() {
        int status = exitStatus(ConnectionEvents.STATUS_UNKNOWN);
        if (status != ConnectionEvents.STATUS_UNKNOWN) {
            Runtime.getRuntime().halt(status);
        }
    }

    /** Called from {@code Thread.dispatchUncaughtException}. */
    public static void uncaughtException(Thread thread) {
        ConnectionEvents events = target;
        if (events != null) {
            try {
                events.uncaughtException(thread);
            } catch (Throwable fault) {
                // the thread dies anyway; nothing may reach it
            }
        }
    }


    /**
     * This thread's guard, set, or {@code null} when there is nothing to do: no subject, or the
     * thread is inside the agent already. The caller clears the guard when it is done.
     */
    private static boolean[] enter(Object subject) {
        if (subject == null) {
            return null;
        }
        boolean[] inAgent = IN_AGENT.get();
        if (inAgent[0]) {
            return null;
        }
        inAgent[0] = true;
        return inAgent;
    }

    private static void detach(ConnectionEvents events, Throwable fault) {
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

    /** A thread's flag, made on its first event: a named class, so the boot jar can list it. */
    static final class Guard extends ThreadLocal<boolean[]> {
        @Override
        protected boolean[] initialValue() {
            return new boolean[1];
        }
    }
}
