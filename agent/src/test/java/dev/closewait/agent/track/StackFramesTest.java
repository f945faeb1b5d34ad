package dev.closewait.agent.track;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StackFramesTest {

    @Test
    void renderRemovesAgentAndShadedFramesAndKeepsOrder() {
        Throwable creation = new Throwable();
        creation.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("dev.closewait.agent.boot.EventBridge", "opened", "Bridge.java", 40),
                new StackTraceElement("dev.closewait.shaded.net.bytebuddy.Advice", "exit", null, -1),
                new StackTraceElement(null, "java.base", "17.0.15", "java.net.Socket", "connect", "Socket.java", 633),
                new StackTraceElement("dev.closewait.agent.track.SocketRegistry", "opened", "SocketRegistry.java", 80),
                new StackTraceElement("app", null, null, "com.example.OrderDao", "load", "OrderDao.java", 42),
                new StackTraceElement("dev.closewait.demo.Main", "main", "Main.java", 9),
        });

        List<String> frames = new StackFrames().render(creation);

        assertEquals(List.of(
                "java.base@17.0.15/java.net.Socket.connect(Socket.java:633)",
                "app//com.example.OrderDao.load(OrderDao.java:42)",
                "dev.closewait.demo.Main.main(Main.java:9)"), frames);
    }

    @Test
    void renderInternsIdenticalStacks() {
        StackFrames frames = new StackFrames();
        List<Throwable> creations = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            creations.add(new Throwable()); // the same line each time: identical stacks
        }

        List<String> first = frames.render(creations.get(0));
        List<String> second = frames.render(creations.get(1));
        List<String> third = frames.render(creations.get(2));

        assertFalse(first.isEmpty());
        assertSame(first, second);
        assertSame(first, third);
        assertEquals(1, frames.distinctStacks());
    }

    @Test
    void renderKeepsDifferentStacksApart() {
        StackFrames frames = new StackFrames();

        List<String> a = frames.render(synthetic("com.example.A", 1));
        List<String> b = frames.render(synthetic("com.example.A", 2));
        List<String> aAgain = frames.render(synthetic("com.example.A", 1));

        assertNotEquals(a, b);
        assertNotSame(a, b);
        assertSame(a, aAgain);
        assertEquals(2, frames.distinctStacks());
    }

    @Test
    void renderInternedStopsAtItsLimitOfDistinctStacksButStillFindsThoseItHas() {
        StackFrames frames = new StackFrames(2);

        List<String> a = frames.renderInterned(synthetic("com.example.A", 1));
        List<String> b = frames.renderInterned(synthetic("com.example.A", 2));

        assertNull(frames.renderInterned(synthetic("com.example.A", 3)), "a third distinct stack has no room");
        assertSame(a, frames.renderInterned(synthetic("com.example.A", 1)));
        assertSame(b, frames.renderInterned(synthetic("com.example.A", 2)));
        assertEquals(List.of("java.net.Socket.connect(Socket.java:633)", "com.example.A.run(A.java:3)"),
                frames.render(synthetic("com.example.A", 3)), "render() always renders");
    }

    @Test
    void renderedStacksAreUnmodifiable() {
        List<String> frames = new StackFrames().render(synthetic("com.example.A", 1));

        assertThrows(UnsupportedOperationException.class, () -> frames.add("x"));
    }

    @Test
    void rendersAnEmptyStackForAThrowableWithoutFrames() {
        Throwable creation = new Throwable();
        creation.setStackTrace(new StackTraceElement[0]);

        assertEquals(List.of(), new StackFrames().render(creation));
    }

    private static Throwable synthetic(String className, int line) {
        Throwable creation = new Throwable();
        creation.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("java.net.Socket", "connect", "Socket.java", 633),
                new StackTraceElement(className, "run", "A.java", line),
        });
        return creation;
    }
}
