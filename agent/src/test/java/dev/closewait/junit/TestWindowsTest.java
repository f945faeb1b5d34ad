package dev.closewait.junit;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.tcp.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static dev.closewait.junit.TestWindows.Owner.ANOTHER_TEST;
import static dev.closewait.junit.TestWindows.Owner.THIS_TEST;
import static dev.closewait.junit.TestWindows.Owner.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which test a socket is charged to, from the windows of the tests that ran when it was opened. */
class TestWindowsTest {

    private final List<TestWindows.Window> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (TestWindows.Window window : opened) {
            TestWindows.close(window, 1_000);
        }
    }

    private TestWindows.Window test(String method, String thread, long start) {
        TestWindows.Window window = TestWindows.open("OrdersTest." + method + "()", new Thread(() -> { }, thread),
                "com.example.OrdersTest", method, start);
        opened.add(window);
        return window;
    }

    private static Finding socket(long id, String thread, String... stack) {
        return Finding.builder(id).remote(Endpoint.of(InetAddress.getLoopbackAddress(), 5432)).thread(thread)
                .stack(List.of(stack)).build();
    }

    @Test
    void aSocketOpenedOnATestsOwnThreadIsThatTests() {
        TestWindows.Window a = test("a", "worker-1", 10);
        TestWindows.Window b = test("b", "worker-2", 10);
        Finding onA = socket(11, "worker-1", "java.base/java.net.Socket.<init>(Socket.java:1)");
        assertEquals(THIS_TEST, TestWindows.owner(a, onA));
        assertEquals(ANOTHER_TEST, TestWindows.owner(b, onA));
    }

    @Test
    void aSocketFromAnyThreadIsTheOnlyRunningTests() {
        TestWindows.Window alone = test("alone", "main", 20);
        assertEquals(THIS_TEST, TestWindows.owner(alone, socket(21, "pool-3-thread-1", "com.example.Client.open(Client.java:9)")));
    }

    @Test
    void aTestThatEndedBeforeTheSocketWasOpenedIsNoCandidate() {
        TestWindows.Window early = test("early", "worker-1", 30);
        TestWindows.Window late = test("late", "worker-2", 31);
        TestWindows.close(early, 32);
        opened.remove(early);
        assertEquals(THIS_TEST, TestWindows.owner(late, socket(33, "pool-3-thread-1", "com.example.Client.open(Client.java:9)")));
    }

    @Test
    void onAnotherThreadTheTestWhoseMethodOrLambdaIsInTheStackIsCharged() {
        TestWindows.Window a = test("a", "worker-1", 40);
        TestWindows.Window b = test("b", "worker-2", 40);
        Finding fromLambdaOfA = socket(41, "Thread-7", "java.base/java.net.Socket.<init>(Socket.java:1)",
                "com.example.OrdersTest.lambda$a$0(OrdersTest.java:12)", "java.base/java.lang.Thread.run(Thread.java:840)");
        assertEquals(THIS_TEST, TestWindows.owner(a, fromLambdaOfA));
        assertEquals(ANOTHER_TEST, TestWindows.owner(b, fromLambdaOfA));
        Finding fromMethodOfB = socket(42, "Thread-8", "com.example.OrdersTest.b(OrdersTest.java:30)");
        assertEquals(ANOTHER_TEST, TestWindows.owner(a, fromMethodOfB));
        assertEquals(THIS_TEST, TestWindows.owner(b, fromMethodOfB));
    }

    @Test
    void aSocketNoRuleCanPlaceIsNobodysAlone() {
        TestWindows.Window a = test("a", "worker-1", 50);
        TestWindows.Window b = test("b", "worker-2", 50);
        Finding fromALibrary = socket(51, "okhttp-connect-1", "okhttp3.internal.connection.RealConnection.connect(RealConnection.kt:1)");
        assertEquals(UNKNOWN, TestWindows.owner(a, fromALibrary));
        assertEquals(UNKNOWN, TestWindows.owner(b, fromALibrary));
        Finding fromAnInnerClassOfBoth = socket(52, "Thread-9", "com.example.OrdersTest$1.run(OrdersTest.java:40)");
        assertEquals(UNKNOWN, TestWindows.owner(a, fromAnInnerClassOfBoth), "an inner class is either test's");
        assertEquals(List.of(b), TestWindows.runningAt(51, a));
    }
}
