package dev.closewait.junit;

import dev.closewait.agent.detect.Finding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which test opened a socket, when tests run side by side (JUnit's
 * {@code junit.jupiter.execution.parallel.enabled}). Each watched test has a window: the socket ids
 * the agent handed out from its start to its end, and the thread it ran on. A socket opened during a
 * test's window belongs to it when:
 * <ol>
 *   <li>it was opened on the test's own thread; or</li>
 *   <li>no other watched test was running then; or</li>
 *   <li>of the tests running then, only this one's method (or a lambda or class in it) is in the
 *       socket's creation stack: a thread the test started.</li>
 * </ol>
 * A socket opened on another running test's thread is that test's. Any other is ambiguous: the
 * extension refuses to charge it to either test and says so. Run one at a time, every socket belongs
 * to the test that was running.
 */
final class TestWindows {

    /** One test's stretch of socket ids; {@link #end} is {@link Long#MAX_VALUE} while it runs. */
    static final class Window {
        final String name;
        final String thread;
        final String testClass;
        final String method;
        final long start;
        volatile long end = Long.MAX_VALUE;

        Window(String name, String thread, String testClass, String method, long start) {
            this.name = name;
            this.thread = thread;
            this.testClass = testClass;
            this.method = method;
            this.start = start;
        }

        boolean covers(long socketId) {
            return socketId > start && socketId <= end;
        }

        /** Whether a creation frame is this test's method, a lambda in it, or code of a class nested in its class. */
        boolean isInStack(List<String> stack) {
            for (String frame : stack) {
                String name = withoutModule(frame);
                if (name.startsWith(testClass + "." + method + "(") || name.startsWith(testClass + ".lambda$" + method + "$")
                        || name.startsWith(testClass + "$")) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Whose a socket is, for a given test. */
    enum Owner { THIS_TEST, ANOTHER_TEST, UNKNOWN }

    private static final Set<Window> WINDOWS = ConcurrentHashMap.newKeySet();

    private TestWindows() {
    }

    /** A test starts: its window opens after socket id {@code mark}. */
    static Window open(String name, Thread thread, String testClass, String method, long mark) {
        Window window = new Window(name, thread.getName(), testClass, method, mark);
        WINDOWS.add(window);
        return window;
    }

    /** The test ended when the agent had handed out {@code mark}; windows no running test overlaps are dropped. */
    static void close(Window window, long mark) {
        window.end = mark;
        long oldestRunning = Long.MAX_VALUE;
        for (Window each : WINDOWS) {
            if (each.end == Long.MAX_VALUE) {
                oldestRunning = Math.min(oldestRunning, each.start);
            }
        }
        for (Window each : WINDOWS) {
            if (each.end != Long.MAX_VALUE && each.end <= oldestRunning) {
                WINDOWS.remove(each);
            }
        }
    }

    /** Whose {@code socket} is, as seen from {@code mine}; see the class comment. */
    static Owner owner(Window mine, Finding socket) {
        if (mine.thread.equals(socket.thread())) {
            return Owner.THIS_TEST;
        }
        List<Window> running = runningAt(socket.id(), mine);
        for (Window other : running) {
            if (other.thread.equals(socket.thread())) {
                return Owner.ANOTHER_TEST;
            }
        }
        if (running.isEmpty()) {
            return Owner.THIS_TEST;
        }
        List<Window> inStack = new ArrayList<>();
        for (Window candidate : running) {
            if (candidate.isInStack(socket.stack())) {
                inStack.add(candidate);
            }
        }
        boolean mineInStack = mine.isInStack(socket.stack());
        if (mineInStack && inStack.isEmpty()) {
            return Owner.THIS_TEST;
        }
        if (!mineInStack && !inStack.isEmpty()) {
            return Owner.ANOTHER_TEST;
        }
        return Owner.UNKNOWN;
    }

    /** The watched tests other than {@code mine} that were running when socket {@code id} was opened. */
    static List<Window> runningAt(long id, Window mine) {
        List<Window> running = new ArrayList<>();
        for (Window each : WINDOWS) {
            if (each != mine && each.covers(id)) {
                running.add(each);
            }
        }
        Collections.sort(running, (a, b) -> Long.compare(a.start, b.start));
        return running;
    }

    /** {@code java.base/java.net.Socket.connect(...)} -> {@code java.net.Socket.connect(...)}. */
    private static String withoutModule(String frame) {
        int paren = frame.indexOf('(');
        int slash = frame.lastIndexOf('/', paren < 0 ? frame.length() : paren);
        return slash < 0 ? frame : frame.substring(slash + 1);
    }
}
