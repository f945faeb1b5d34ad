package dev.closewait.agent.track;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverriddenGettersTest {

    static final class Plain extends Socket {
        void unrelated() {
        }
    }

    static final class Guarded extends Socket {
        @Override
        public synchronized InetAddress getInetAddress() {
            return super.getInetAddress();
        }
    }

    static class Base extends Socket {
        @Override
        public boolean isConnected() {
            return super.isConnected();
        }
    }

    static final class Derived extends Base {
    }

    @Test
    void aClassIsReadFromItsFieldsWhenItOrOneBetweenItAndSocketDeclaresAGetter() throws Exception {
        assertFalse(OverriddenGetters.in(Socket.class));
        assertFalse(OverriddenGetters.in(Plain.class));
        assertTrue(OverriddenGetters.in(Guarded.class));
        assertTrue(OverriddenGetters.in(Derived.class), "declared by its super class");
        assertFalse(OverriddenGetters.in(javax.net.ssl.SSLSocketFactory.getDefault().createSocket().getClass()),
                "the JDK's TLS socket overrides them with the JDK's code");
    }

    @Test
    void aClassWhoseMethodsNameAMissingClassIsReadFromItsFieldsAndNothingIsThrown(@TempDir Path work) throws Exception {
        Path source = Files.createDirectories(work.resolve("src/app"));
        Files.writeString(source.resolve("Optional.java"), "package app; public class Optional { }");
        Files.writeString(source.resolve("AppSocket.java"), "package app; public class AppSocket extends java.net.Socket {"
                + " public void use(Optional o) { } }");
        Path classes = Files.createDirectories(work.resolve("classes"));
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                source.resolve("Optional.java").toString(), source.resolve("AppSocket.java").toString()));
        Files.delete(classes.resolve("app/Optional.class")); // an optional dependency that is not there
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> appSocket = loader.loadClass("app.AppSocket");
            assertTrue(OverriddenGetters.in(appSocket), "its getters cannot be told apart: not called");
        }
    }
}
