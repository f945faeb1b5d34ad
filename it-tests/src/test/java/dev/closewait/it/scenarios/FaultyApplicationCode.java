package dev.closewait.it.scenarios;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An application whose own code throws where the agent calls it: a {@code Properties} subclass
 * handed to a JDBC driver's connect, which the agent reads for the connection's user and secrets.
 * The agent must turn itself off with one warning, without the exception's message (application
 * code may put anything there), and the application must never notice (its connect returns, its
 * sockets keep working). Its own Socket subclass, whose {@code getInetAddress()} throws, the agent
 * never calls. Turned off, the agent keeps nothing running: its scanner thread ends and the
 * peer-close watch's epoll descriptor closes. Waits at the end while the test asks for the live report.
 */
public final class FaultyApplicationCode {

    static final class Hostile extends Socket {
        @Override
        public InetAddress getInetAddress() {
            throw new IllegalStateException("this application's socket refuses to tell its address");
        }
    }

    static final class HostileProperties extends java.util.Properties {
        @Override
        public java.util.Set<String> stringPropertyNames() {
            throw new IllegalStateException("this application's properties hold api key sk_live_51HxSecretValue");
        }
    }

    /** This process's epoll descriptors (the application opens none; the agent's watch is one). */
    private static long epollDescriptors() throws IOException {
        long count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    count += Files.readSymbolicLink(fd).toString().equals("anon_inode:[eventpoll]") ? 1 : 0;
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, gone by now
                }
            }
        }
        return count;
    }

    private static boolean scannerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("closewait-scanner"));
    }

    public static void main(String[] args) throws Exception {
        Scenario.result("epollAtStart", epollDescriptors());
        try (ServerSocket server = Scenario.loopbackServer()) {
            Hostile hostile = new Hostile();
            hostile.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 2000);
            server.accept().close();
            hostile.close();
            Scenario.result("driverAnswered", new org.example.quiet.QuietDriver().connect("jdbc:quiet:x", new HostileProperties()) == null);
            int ok = 0;
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", server.getLocalPort()); Socket a = server.accept()) {
                    ok++;
                }
            }
            Scenario.result("hostileConnected", hostile.isConnected());
            Scenario.result("connectsAfterFault", ok);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (scannerAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Scenario.result("scannerAlive", scannerAlive());
            Scenario.result("epollAfterFault", epollDescriptors());
            Scenario.result("pid", ProcessHandle.current().pid());
            Scenario.step("faulted"); // the test asks the disabled agent for its live report
        }
    }
}
