package dev.closewait.it.injvm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.Report;
import dev.closewait.it.scenarios.KernelTcpTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static dev.closewait.it.injvm.AgentInThisJvm.awaitReport;
import static dev.closewait.it.injvm.AgentInThisJvm.hasLeak;
import static dev.closewait.it.injvm.AgentInThisJvm.leak;
import static dev.closewait.it.injvm.AgentInThisJvm.leakWithRemotePort;
import static dev.closewait.it.injvm.AgentInThisJvm.leaksSince;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Socket leaks found by the agent running in this very JVM (the {@code injvm} executions: the
 * built, shaded jar on argLine with {@code interval=200ms,grace=1s}): every kind of socket the
 * instrumentation must see, and what the report and the log say about it. Start-up, exit and
 * attach are the separate-JVM tests' business.
 */
class SocketLeaksInJvmTest {

    private static final InetAddress LOOPBACK = loopback("127.0.0.1");

    /** What a test leaks on purpose stays reachable until it has looked, as a real leak's owner keeps it. */
    private final List<AutoCloseable> leaked = new ArrayList<>();
    private long mark;
    private int logOffset;

    @BeforeEach
    void markTheSocketsThisTestOpens() {
        mark = AgentInThisJvm.mark();
        logOffset = AgentInThisJvm.log().length();
    }

    @AfterEach
    void closeWhatTheTestLeaked() throws Exception {
        AgentInThisJvm.assertReportMatchesKernel();
        for (AutoCloseable socket : leaked) {
            socket.close();
        }
    }

    @Test
    void reportsPlainSocketLeftInCloseWaitWithItsCreationStack() throws Exception {
        try (ServerSocket server = loopbackServer()) {
            Socket socket = keep(openOrderConnection(server.getLocalPort()));
            server.accept().close();
            int clientPort = socket.getLocalPort();
            KernelTcpTable.awaitCloseWait(clientPort);

            Report report = awaitReport(r -> hasLeak(r, mark, clientPort, "OPEN"));
            JsonNode leak = leak(report, mark, clientPort);
            assertEquals("CLOSE_WAIT", leak.path("state").asText());
            assertEquals("CONNECT", leak.path("origin").asText());
            assertEquals("127.0.0.1:" + clientPort, leak.path("local").asText());
            assertEquals("127.0.0.1:" + server.getLocalPort(), leak.path("remote").asText());
            assertEquals(Thread.currentThread().getName(), leak.path("thread").asText());
            assertTrue(leak.path("closedAt").isNull());
            assertTrue(leak.path("jdbc").isNull());
            assertFalse(leak.path("openedAt").isNull());
            assertFalse(leak.path("closeWaitSince").isNull());
            List<String> stack = Report.stack(leak);
            assertTrue(stack.stream().anyMatch(f -> f.startsWith(
                    "dev.closewait.it.injvm.SocketLeaksInJvmTest.openOrderConnection(SocketLeaksInJvmTest.java:")), stack::toString);
            assertTrue(stack.stream().noneMatch(f -> f.contains("dev.closewait.agent.") || f.contains("dev.closewait.shaded.")),
                    "agent frames are removed: " + stack);
            assertEquals(1, leaksSince(report, mark).size(), report.json()::toString);

            // The text block in the log, with the application frame marked.
            String block = AgentInThisJvm.logBlock(leak.path("id").asLong());
            assertTrue(block.contains(": peer closed the connection"), AgentInThisJvm::log);
            assertTrue(block.contains("=> dev.closewait.it.injvm.SocketLeaksInJvmTest.openOrderConnection("), block);
            assertTrue(block.contains("opened by thread \"" + Thread.currentThread().getName() + "\""), block);
        }
    }

    /**
     * A plug-in's class loader (a web application's, redeployed) can be collected once the plug-in
     * is let go, though its class opened and closed sockets: the stacks the agent keeps of a peer's
     * recent opens and closes were {@code Throwable}s, whose backtraces hold their classes.
     */
    @Test
    void aPluginsClassLoaderIsNotKeptReachableByTheStacksOfItsSockets(@org.junit.jupiter.api.io.TempDir java.nio.file.Path work)
            throws Exception {
        java.nio.file.Path source = work.resolve("src/plug/Plugin.java");
        java.nio.file.Files.createDirectories(source.getParent());
        java.nio.file.Files.writeString(source, "package plug;\n"
                + "public class Plugin implements java.util.function.IntConsumer {\n"
                + "  public void accept(int port) {\n"
                + "    for (int i = 0; i < 3; i++) {\n"
                + "      try (java.net.Socket s = new java.net.Socket(\"127.0.0.1\", port)) { }\n"
                + "      catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }\n"
                + "    }\n  }\n}\n");
        java.nio.file.Path classes = java.nio.file.Files.createDirectories(work.resolve("classes"));
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                source.toString()), "the plug-in compiles");
        WeakReference<ClassLoader> loaderRef;
        try (ServerSocket server = loopbackServer()) {
            Thread acceptor = new Thread(() -> {
                for (int i = 0; i < 3; i++) {
                    try {
                        server.accept().close();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.start();
            loaderRef = runPlugin(classes, server.getLocalPort());
            acceptor.join(10_000);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (loaderRef.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100); // a scan (every 200 ms here) renders the stacks it kept
        }
        assertNull(loaderRef.get(), "the agent keeps the plug-in's class loader reachable");
    }

    /**
     * A socket connected through a SOCKS proxy names its target, the kernel the proxy: no row
     * matched its key, and its leak stayed unseen (or, seen twice, an {@code UNTRACKED} one without a
     * stack). The scanner finds the tracked socket by its inode, and the finding has its stack.
     */
    @Test
    void aSocketThroughASocksProxyIsFoundWithItsStackAndTheProxyAsItsPeer() throws Exception {
        try (ServerSocket target = loopbackServer(); ServerSocket proxy = loopbackServer()) {
            Thread standIn = new Thread(() -> socksStandIn(proxy), "SOCKS stand-in"); // not a real proxy: it relays nothing
            standIn.start();
            Socket socket = keep(openThroughProxy(proxy.getLocalPort(), target.getLocalPort()));
            standIn.join(10_000);
            int clientPort = socket.getLocalPort();
            assertEquals(target.getLocalPort(), socket.getPort(), "the socket names its target");
            KernelTcpTable.awaitCloseWait(clientPort);

            Report report = awaitReport(r -> hasLeak(r, mark, clientPort, "OPEN"));
            JsonNode leak = leak(report, mark, clientPort);
            assertEquals("127.0.0.1:" + proxy.getLocalPort(), leak.path("remote").asText(), "the kernel's peer: the proxy");
            assertEquals("CONNECT", leak.path("origin").asText(), leak::toString);
            assertTrue(Report.stack(leak).stream().anyMatch(f -> f.contains("SocketLeaksInJvmTest.openThroughProxy(")),
                    leak::toString);
        }
    }

    private static Socket openThroughProxy(int proxyPort, int targetPort) throws IOException {
        Socket socket = new Socket(new java.net.Proxy(java.net.Proxy.Type.SOCKS, new InetSocketAddress(LOOPBACK, proxyPort)));
        socket.connect(new InetSocketAddress(LOOPBACK, targetPort));
        return socket;
    }

    /**
     * Plays a SOCKS 5 proxy for one client (a stand-in, not a proxy): no authentication, accepts its
     * CONNECT, then closes, as a proxy does when the target ends the session.
     */
    private static void socksStandIn(ServerSocket proxy) {
        try (Socket client = proxy.accept()) {
            java.io.DataInputStream in = new java.io.DataInputStream(client.getInputStream());
            java.io.OutputStream out = client.getOutputStream();
            in.readUnsignedByte(); // version 5
            in.readFully(new byte[in.readUnsignedByte()]); // the methods it offers
            out.write(new byte[]{5, 0}); // no authentication
            out.flush();
            byte[] request = new byte[4]; // version, CONNECT, reserved, address type
            in.readFully(request);
            int addressLength = request[3] == 1 ? 4 : request[3] == 4 ? 16 : in.readUnsignedByte();
            in.readFully(new byte[addressLength + 2]);
            out.write(new byte[]{5, 0, 0, 1, 127, 0, 0, 1, 0, 0}); // succeeded
            out.flush();
        } catch (IOException ended) {
            // the test fails on its own assertions
        }
    }

    /** Loads the plug-in, has it connect to {@code port} three times, and lets it go: no frame of the test holds it. */
    private static WeakReference<ClassLoader> runPlugin(java.nio.file.Path classes, int port) throws Exception {
        java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[]{classes.toUri().toURL()}, null);
        ((java.util.function.IntConsumer) loader.loadClass("plug.Plugin").getDeclaredConstructor().newInstance()).accept(port);
        loader.close();
        return new WeakReference<>(loader);
    }

    /** A socket class of the application's whose getters take its own lock, and count their calls once armed. */
    static final class GuardedSocket extends Socket {
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean armed;

        @Override
        public synchronized InetAddress getInetAddress() {
            if (armed) {
                calls.incrementAndGet();
            }
            return super.getInetAddress();
        }

        @Override
        public synchronized int getLocalPort() {
            if (armed) {
                calls.incrementAndGet();
            }
            return super.getLocalPort();
        }
    }

    @Test
    void aSocketClassOfTheApplicationsIsReadWithoutItsGettersSoItsLocksNeverBlockTheConnect() throws Exception {
        try (ServerSocket server = loopbackServer()) {
            GuardedSocket socket = keep(new GuardedSocket());
            CountDownLatch locked = new CountDownLatch(1);
            CountDownLatch connected = new CountDownLatch(1);
            Thread holder = new Thread(() -> {
                synchronized (socket) { // the application's own thread holds the lock until the connect is done
                    locked.countDown();
                    try {
                        connected.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            holder.start();
            locked.await();
            socket.armed = true;
            long start = System.nanoTime();
            socket.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            socket.armed = false;
            connected.countDown();
            holder.join();
            assertTrue(tookMillis < 5_000, "the connect waited for the application's lock: " + tookMillis + " ms");
            assertEquals(0, socket.calls.get(), "the agent called the application's getters");

            server.accept().close();
            int clientPort = socket.getLocalPort();
            KernelTcpTable.awaitCloseWait(clientPort);
            Report report = awaitReport(r -> hasLeak(r, mark, clientPort, "OPEN"));
            JsonNode leak = leak(report, mark, clientPort);
            assertEquals("127.0.0.1:" + server.getLocalPort(), leak.path("remote").asText());
            assertTrue(Report.stack(leak).stream().anyMatch(f -> f.contains("SocketLeaksInJvmTest.aSocketClassOfTheApplications")),
                    leak::toString);
        }
    }

    @Test
    void reportsNothingForSocketClosedPromptlyAfterEofNorForIdleEstablishedSocket() throws Exception {
        try (ServerSocket server = loopbackServer()) {
            Socket client = new Socket(LOOPBACK, server.getLocalPort());
            Socket accepted = server.accept();
            accepted.getOutputStream().write("bye".getBytes());
            accepted.close();
            assertEquals(3, drain(client.getInputStream()));
            client.getInputStream().close(); // closing a stream closes the socket
            int closedPort = client.getLocalPort();

            Socket idle = new Socket(LOOPBACK, server.getLocalPort());
            Socket idlePeer = server.accept();
            // A leak opened now: once it is reported, grace has passed for the two above as well.
            Socket control = keep(new Socket(LOOPBACK, server.getLocalPort()));
            server.accept().close();
            Report report = awaitReport(r -> hasLeak(r, mark, control.getLocalPort(), "OPEN"));

            assertEquals(KernelTcpTable.ESTABLISHED, KernelTcpTable.state(idle.getLocalPort()), "the idle connection");
            assertNull(leak(report, mark, closedPort), report.json()::toString);
            assertNull(leak(report, mark, idle.getLocalPort()), report.json()::toString);
            assertEquals(1, leaksSince(report, mark).size(), "only the control leak: " + report.json());
            idle.close();
            idlePeer.close();
            assertEquals(6, AgentInThisJvm.trackedSince(mark), "three client sockets and three accepted ones");
            assertEquals(1, AgentInThisJvm.openSince(mark), "every close was seen, including through the input stream;"
                    + " only the control leak is open");
        }
    }

    @Test
    void reportsLeakedNioChannelsConnectedEveryWay() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            SocketChannel blocking = keep(openBlocking(address));
            server.accept().close();
            SocketChannel nonBlocking = keep(openNonBlocking(address));
            server.accept().close();
            SocketChannel adaptor = keep(openThroughAdaptor(address));
            server.accept().close();
            SocketChannel closedProperly = SocketChannel.open(address);
            server.accept().close();
            while (closedProperly.read(ByteBuffer.allocate(16)) >= 0) {
                Thread.onSpinWait();
            }
            closedProperly.socket().close();

            Report report = awaitReport(r -> hasLeak(r, mark, port(blocking), "OPEN")
                    && hasLeak(r, mark, port(nonBlocking), "OPEN") && hasLeak(r, mark, port(adaptor), "OPEN"));
            assertStackHas(leak(report, mark, port(blocking)), "openBlocking(");
            assertStackHas(leak(report, mark, port(nonBlocking)), "openNonBlocking(");
            assertStackHas(leak(report, mark, port(adaptor)), "openThroughAdaptor(");
            assertEquals(3, leaksSince(report, mark).size(), report.json()::toString);
            assertNull(leak(report, mark, port(closedProperly)), "a channel closed through its socket adaptor is no leak");
            assertEquals(3, AgentInThisJvm.openSince(mark), "the accepted channels and the adaptor's close were seen");
        }
    }

    @Test
    void reportsPlainSocketUnderLeakedTlsLayerButNotOneClosedThroughTheLayer() throws Exception {
        SSLContext tls = selfSignedTls();
        try (SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50, LOOPBACK)) {
            int port = server.getLocalPort();
            Thread acceptor = new Thread(() -> serveAndClose(server, 3), "tls-acceptor");
            acceptor.start();
            // Leaked sockets are never read again: reading the server's close_notify would make the
            // JDK close them itself. The TLS layer stays reachable, as an application's would: on
            // JDK 17 an unreachable SSLSocket is finalized, and its finalizer closes the socket under it.
            Socket layeredPlain = keep(openPlain(port));
            keep(layerTls(tls, layeredPlain, port));
            Socket closedPlain = openPlain(port);
            SSLSocket closed = layerTls(tls, closedPlain, port);
            drain(closed.getInputStream());
            closed.close(); // autoClose: closes the plain socket under it
            SSLSocket direct = keep(openDirectTls(tls, port));
            acceptor.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(acceptor.isAlive(), "the TLS server served its three connections");
            assertTrue(closedPlain.isClosed());

            Report report = awaitReport(r -> hasLeak(r, mark, layeredPlain.getLocalPort(), "OPEN")
                    && hasLeak(r, mark, direct.getLocalPort(), "OPEN"));
            assertStackHas(leak(report, mark, layeredPlain.getLocalPort()), "openPlain(");
            assertStackHas(leak(report, mark, direct.getLocalPort()), "openDirectTls(");
            assertEquals(2, leaksSince(report, mark).size(), report.json()::toString);
            assertNull(leak(report, mark, closedPlain.getLocalPort()));
            assertEquals(2, AgentInThisJvm.openSince(mark),
                    "only the two leaked client sockets stay open: the server's TLS sockets were closed");
        }
    }

    @Test
    void reportsAcceptedSocketsWhoseClientWentAway() throws Exception {
        try (ServerSocket server = loopbackServer(); ServerSocketChannel channelServer = ServerSocketChannel.open()) {
            channelServer.bind(new InetSocketAddress(LOOPBACK, 0));
            Socket client = new Socket(LOOPBACK, server.getLocalPort());
            Socket accepted = keep(acceptOrder(server));
            client.close(); // the client goes away
            SocketChannel channelClient = SocketChannel.open(channelServer.getLocalAddress());
            SocketChannel acceptedChannel = keep(acceptOrderChannel(channelServer));
            channelClient.close();
            int clientPort = accepted.getPort();
            int channelClientPort = ((InetSocketAddress) acceptedChannel.getRemoteAddress()).getPort();

            Report report = awaitReport(r -> leakWithRemotePort(r, mark, clientPort) != null
                    && leakWithRemotePort(r, mark, channelClientPort) != null);
            JsonNode socket = leakWithRemotePort(report, mark, clientPort);
            assertEquals("ACCEPT", socket.path("origin").asText());
            assertEquals("127.0.0.1:" + server.getLocalPort(), socket.path("local").asText());
            assertStackHas(socket, "acceptOrder(");
            JsonNode channel = leakWithRemotePort(report, mark, channelClientPort);
            assertEquals("ACCEPT", channel.path("origin").asText());
            assertEquals("127.0.0.1:" + port(channelServer), channel.path("local").asText());
            assertStackHas(channel, "acceptOrderChannel(");
            assertEquals(2, leaksSince(report, mark).size(), report.json()::toString);
        }
    }

    @Test
    void reportsIpv6LoopbackLeakWithBracketedAddresses() throws Exception {
        InetAddress loopback6 = InetAddress.getByName("::1");
        ServerSocket server;
        try {
            server = new ServerSocket(0, 50, loopback6);
        } catch (IOException noIpv6) {
            String reason = "no IPv6 loopback on this machine (" + noIpv6 + "): the IPv6 test is skipped";
            assumeTrue(false, reason);
            return;
        }
        try (server) {
            Socket socket = keep(openOverIpv6(server.getLocalPort()));
            server.accept().close();
            assertTrue(socket.getInetAddress() instanceof Inet6Address);
            int clientPort = socket.getLocalPort();
            Report report = awaitReport(r -> hasLeak(r, mark, clientPort, "OPEN"));
            JsonNode leak = leak(report, mark, clientPort);
            assertEquals("[::1]:" + clientPort, leak.path("local").asText());
            assertEquals("[::1]:" + server.getLocalPort(), leak.path("remote").asText());
            assertStackHas(leak, "openOverIpv6(");
        }
    }

    @Test
    void reportsTheNameOfThePoolThreadThatOpenedTheLeak() throws Exception {
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
            Thread t = new Thread(task, "orders-pool-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (ServerSocket server = loopbackServer()) {
            Future<Socket> opened = pool.submit(() -> fetchOrders(server.getLocalPort()));
            server.accept().close();
            Socket socket = keep(opened.get(20, TimeUnit.SECONDS));
            Report report = awaitReport(r -> hasLeak(r, mark, socket.getLocalPort(), "OPEN"));
            JsonNode leak = leak(report, mark, socket.getLocalPort());
            assertEquals("orders-pool-1", leak.path("thread").asText());
            assertStackHas(leak, "fetchOrders(");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reportsExactlyTheFewLeaksAmongHundredsOfOpenSockets() throws Exception {
        int openCount = 300;
        int leakCount = 7;
        int closedCount = 100;
        try (ServerSocket server = loopbackServer()) {
            List<Socket> clients = new ArrayList<>();
            List<Socket> accepted = new ArrayList<>();
            for (int i = 0; i < openCount; i++) {
                clients.add(keep(new Socket(LOOPBACK, server.getLocalPort())));
                accepted.add(keep(server.accept()));
            }
            for (int i = 0; i < closedCount; i++) {
                try (Socket c = new Socket(LOOPBACK, server.getLocalPort()); Socket a = server.accept()) {
                    a.getOutputStream().write(1);
                    c.getInputStream().read();
                }
            }
            Set<Integer> leakedPorts = new TreeSet<>();
            int stride = openCount / leakCount;
            for (int i = 0; i < leakCount; i++) {
                int index = i * stride + stride / 2;
                accepted.get(index).close(); // server side closes; the client never does
                leakedPorts.add(clients.get(index).getLocalPort());
            }
            awaitReport(r -> leaksSince(r, mark).size() >= leakCount);
            // One more scan: nothing else may show up.
            Report report = AgentInThisJvm.report();
            Set<Integer> reportedPorts = leaksSince(report, mark).stream()
                    .map(l -> Integer.valueOf(l.path("local").asText().replaceAll(".*:", "")))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(leakedPorts, reportedPorts, report.json()::toString);
            assertEquals(800, AgentInThisJvm.trackedSince(mark), "300 + 100 client sockets and as many accepted ones");
            assertEquals(600 - leakCount, AgentInThisJvm.openSince(mark),
                    "the 7 server-side closes and the 100 closed pairs were seen");
            String log = AgentInThisJvm.logSince(logOffset);
            assertEquals(1, log.lines().filter(l -> l.equals("    opened at:")).count(),
                    "seven leaks from one line print their stack once: " + log);
            // The other six are not printed in full: counted on a repeat line naming the leak whose stack was
            // printed (which lists a few of their ids), or, alone in a later scan, on a line of their own. A
            // loaded machine spreads the seven over scans.
            int logged = 0;
            Matcher header = Pattern.compile("\\[closewait] LEAK #(\\d+): ").matcher(log);
            while (header.find()) {
                if (Long.parseLong(header.group(1)) > mark) { // not a late line about an earlier test's leak
                    logged++;
                }
            }
            Matcher repeat = Pattern.compile("\\[closewait] (\\d+) more leaks? \\([^)]*\\) with the creation stack of LEAK #(\\d+),")
                    .matcher(log);
            Set<String> stackPrintedFor = new TreeSet<>();
            while (repeat.find()) {
                logged += Integer.parseInt(repeat.group(1));
                stackPrintedFor.add(repeat.group(2));
            }
            assertEquals(leakCount, logged, "each of the seven leaks is in the log, once: " + log);
            assertTrue(stackPrintedFor.size() <= 1, "every repeat line names the one leak whose stack was printed: " + log);
        }
    }

    @Test
    void marksLeakClosedLateWhenTheApplicationClosesItAfterGrace() throws Exception {
        try (ServerSocket server = loopbackServer()) {
            Socket socket = new Socket(LOOPBACK, server.getLocalPort());
            server.accept().close();
            int clientPort = socket.getLocalPort();
            awaitReport(r -> hasLeak(r, mark, clientPort, "OPEN"));
            socket.close();
            Report report = awaitReport(r -> hasLeak(r, mark, clientPort, "CLOSED_LATE"));
            JsonNode leak = leak(report, mark, clientPort);
            assertFalse(leak.path("closedAt").isNull(), leak::toString);
            assertTrue(leak.path("closedAt").asText().compareTo(leak.path("closeWaitSince").asText()) > 0, leak::toString);
            assertEquals(1, leaksSince(report, mark).size());
            assertTrue(AgentInThisJvm.logSince(logOffset).contains("is now CLOSED_LATE"), AgentInThisJvm::log);
        }
    }

    @Test
    void marksUnreachableLeaksReclaimedByGcOrOrphanedWithoutKeepingThemAlive() throws Exception {
        try (ServerSocket server = loopbackServer()) {
            Socket socket = new Socket(LOOPBACK, server.getLocalPort());
            server.accept().close();
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(LOOPBACK, server.getLocalPort()));
            server.accept().close();
            int socketPort = socket.getLocalPort();
            int channelPort = channel.socket().getLocalPort();
            awaitReport(r -> hasLeak(r, mark, socketPort, "OPEN") && hasLeak(r, mark, channelPort, "OPEN"));

            WeakReference<Socket> socketRef = new WeakReference<>(socket);
            WeakReference<SocketChannel> channelRef = new WeakReference<>(channel);
            socket = null;
            channel = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((socketRef.get() != null || channelRef.get() != null) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertNull(socketRef.get(), "the agent must not keep a leaked socket reachable");
            assertNull(channelRef.get(), "the agent must not keep a leaked channel reachable");
            // The cleaner releases the plain socket's descriptor: its row leaves CLOSE_WAIT.
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (KernelTcpTable.CLOSE_WAIT.equals(KernelTcpTable.state(socketPort)) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertNotEquals(KernelTcpTable.CLOSE_WAIT, KernelTcpTable.state(socketPort), "the cleaner released the socket's descriptor");
            assertEquals(KernelTcpTable.CLOSE_WAIT, KernelTcpTable.state(channelPort), "a channel has no cleaner: still in CLOSE_WAIT");

            // Neither is open any more once the agent has seen both go: the scan that finds them unreachable says so.
            Report report = awaitReport(r -> hasLeak(r, mark, socketPort, "RECLAIMED_BY_GC")
                    && hasLeak(r, mark, channelPort, "ORPHANED") && AgentInThisJvm.openSince(mark) == 0);
            assertTrue(leak(report, mark, socketPort).path("closedAt").isNull(), "never closed by the application");
            // The orphaned channel still holds its port: the series towards that server goes on counting it.
            String remote = "127.0.0.1:" + server.getLocalPort();
            JsonNode series = null;
            for (JsonNode peer : report.json().path("series")) {
                series = remote.equals(peer.path("remote").asText()) ? peer : series;
            }
            assertNotNull(series, "a series towards " + remote + ": " + report.json().path("series"));
            JsonNode last = series.path("points").get(series.path("points").size() - 1);
            assertTrue(last.get(1).asInt() >= 1, "the orphaned channel counts in CLOSE_WAIT: " + series);
        }
    }

    @Test
    void seesEveryCloseOf32ThreadsChurningConnections() throws Exception {
        int threads = 32;
        int cycles = 500; // 16,000 connections from 32 threads: closes race each other and the scans
        AtomicInteger accepted = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long began = System.nanoTime();
        try (ServerSocket server = loopbackServer()) {
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(start("acceptor-" + i, () -> {
                    while (!server.isClosed()) {
                        try (Socket socket = server.accept()) {
                            socket.getOutputStream().write(1);
                            accepted.incrementAndGet();
                        } catch (IOException closing) {
                            return;
                        }
                    }
                }));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                clients.add(start("client-" + t, () -> {
                    try {
                        go.await();
                        for (int c = 0; c < cycles; c++) {
                            Socket socket = new Socket(LOOPBACK, server.getLocalPort());
                            socket.getInputStream().read(); // accepted: a reset can no longer drop it
                            // SO_LINGER 0 closes with a reset: thousands of cycles leave no TIME_WAIT behind.
                            socket.setSoLinger(true, 0);
                            socket.close();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            go.countDown();
            for (Thread client : clients) {
                client.join(TimeUnit.MINUTES.toMillis(3));
                assertFalse(client.isAlive(), client.getName() + " finished within 3 minutes");
            }
            long expected = (long) threads * cycles;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (accepted.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertNull(failure.get());
            assertEquals(expected, accepted.get(), "every connection was accepted");
        }
        assertEquals(2L * threads * cycles, AgentInThisJvm.trackedSince(mark));
        assertEquals(0, AgentInThisJvm.openSince(mark), "every close was seen");
        assertEquals(List.of(), leaksSince(AgentInThisJvm.report(), mark));
        String log = AgentInThisJvm.logSince(logOffset);
        assertFalse(log.contains("WARNING"), log);
        assertFalse(log.contains("Exception"), log);
        System.out.println("[it-tests] JDK " + Runtime.version().feature() + ": " + threads + " threads x " + cycles
                + " connect/close cycles under the agent took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) + " ms");
    }

    // The methods below open the sockets: their frames must show in the reported stacks.

    static Socket openOrderConnection(int port) throws IOException {
        return new Socket(LOOPBACK, port);
    }

    static SocketChannel openBlocking(InetSocketAddress address) throws IOException {
        return SocketChannel.open(address);
    }

    static SocketChannel openNonBlocking(InetSocketAddress address) throws Exception {
        SocketChannel channel = SocketChannel.open();
        channel.configureBlocking(false);
        if (!channel.connect(address)) {
            while (!channel.finishConnect()) {
                Thread.sleep(1);
            }
        }
        return channel;
    }

    static SocketChannel openThroughAdaptor(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.socket().connect(address, 2000);
        return channel;
    }

    static Socket openPlain(int port) throws IOException {
        return new Socket(LOOPBACK, port);
    }

    static SSLSocket layerTls(SSLContext tls, Socket plain, int port) throws IOException {
        return greet((SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true));
    }

    static SSLSocket openDirectTls(SSLContext tls, int port) throws IOException {
        return greet((SSLSocket) tls.getSocketFactory().createSocket(LOOPBACK, port));
    }

    static Socket acceptOrder(ServerSocket server) throws IOException {
        return server.accept();
    }

    static SocketChannel acceptOrderChannel(ServerSocketChannel server) throws IOException {
        return server.accept();
    }

    static Socket openOverIpv6(int port) throws IOException {
        return new Socket(InetAddress.getByName("::1"), port);
    }

    static Socket fetchOrders(int port) throws IOException {
        return new Socket(LOOPBACK, port);
    }

    private <T extends AutoCloseable> T keep(T socket) {
        leaked.add(socket);
        return socket;
    }

    private static void assertStackHas(JsonNode leak, String frame) {
        assertNotNull(leak);
        List<String> stack = Report.stack(leak);
        assertTrue(stack.stream().anyMatch(f -> f.startsWith("dev.closewait.it.injvm.SocketLeaksInJvmTest." + frame)),
                () -> "expected a frame " + frame + " in " + stack);
    }

    private static ServerSocket loopbackServer() throws IOException {
        return new ServerSocket(0, 1024, LOOPBACK);
    }

    private static int port(SocketChannel channel) {
        return channel.socket().getLocalPort();
    }

    private static int port(ServerSocketChannel channel) throws IOException {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    private static int drain(InputStream in) throws IOException {
        byte[] buffer = new byte[1024];
        int total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static InetAddress loopback(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Handshakes and sends one byte the server reads before it closes: a server that closed with
     * the client's last handshake message unread would send a reset, not the FIN this is about.
     */
    private static SSLSocket greet(SSLSocket socket) throws IOException {
        socket.startHandshake();
        socket.getOutputStream().write('!');
        socket.getOutputStream().flush();
        return socket;
    }

    private static void serveAndClose(SSLServerSocket server, int connections) {
        try {
            for (int i = 0; i < connections; i++) {
                SSLSocket socket = (SSLSocket) server.accept();
                socket.startHandshake();
                socket.getInputStream().read(); // the client's greeting: nothing left unread
                socket.close();
            }
        } catch (IOException e) {
            e.printStackTrace();
        }
    }

    /**
     * A TLS context whose key and trust are one self-signed EC key for localhost, a test fixture
     * beside this class ({@code localhost-test-only.p12}, password {@code changeit}, valid until
     * 2126), made once with {@code keytool -genkeypair -keyalg EC -groupname secp256r1}: a keytool
     * JVM per run cost two seconds of CPU.
     */
    private static SSLContext selfSignedTls() throws Exception {
        char[] password = "changeit".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = SocketLeaksInJvmTest.class.getResourceAsStream("localhost-test-only.p12")) {
            assertNotNull(in, "the test keystore beside this class");
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}
