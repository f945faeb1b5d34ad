package dev.closewait.agent.report;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.LeakStatus;
import dev.closewait.agent.track.Origin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;

/** Findings for report tests, built through the public constructor. */
final class TestFindings {

    static final List<String> STACK = List.of(
            "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
            "java.base/java.net.Socket.connect(Socket.java:633)",
            "com.microsoft.sqlserver.jdbc.SocketFinder.getSocketByAddress(IOBuffer.java:3050)",
            "com.example.OrderDao.load(OrderDao.java:42)",
            "com.example.OrderService.find(OrderService.java:17)",
            "java.base/java.lang.Thread.run(Thread.java:840)");

    private TestFindings() {
    }

    static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    static Endpoint endpoint(String host, int port) {
        try {
            return Endpoint.of(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host, e);
        }
    }

    /** The leak of DESIGN.md's example: OPEN, connected by http-worker-3, never closed. */
    static Finding open() {
        return new Finding(17, LeakStatus.OPEN, TcpState.CLOSE_WAIT, Origin.CONNECT,
                endpoint("127.0.0.1", 51234), endpoint("127.0.0.1", 1433),
                at("2026-11-21T10:14:02.120Z"), at("2026-11-21T10:14:07.500Z"), Finding.NEVER, Finding.NEVER,
                "http-worker-3", STACK);
    }

    static Finding closedLate() {
        return new Finding(18, LeakStatus.CLOSED_LATE, TcpState.CLOSE_WAIT, Origin.ACCEPT,
                endpoint("::1", 8080), endpoint("::1", 52346),
                at("2026-11-21T10:00:00Z"), at("2026-11-21T10:00:01.250Z"), at("2026-11-21T10:01:31.250Z"),
                Finding.NEVER, "acceptor-1", STACK);
    }

    static Finding reclaimed() {
        return new Finding(19, LeakStatus.RECLAIMED_BY_GC, TcpState.CLOSE_WAIT, Origin.CONNECT,
                endpoint("10.0.0.1", 40000), endpoint("10.0.0.5", 5432),
                at("2026-11-21T10:00:00Z"), at("2026-11-21T10:00:10Z"), Finding.NEVER, at("2026-11-21T10:00:22.500Z"),
                "pool-1-thread-2", STACK);
    }

    static Finding orphaned() {
        return new Finding(20, LeakStatus.ORPHANED, TcpState.CLOSE_WAIT, Origin.CONNECT,
                endpoint("10.0.0.1", 40001), endpoint("10.0.0.5", 5432),
                at("2026-11-21T10:00:00Z"), at("2026-11-21T10:00:10Z"), Finding.NEVER, at("2026-11-21T10:00:30Z"),
                "nio-1", List.of("java.base/sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:800)",
                        "com.example.NioClient.open(NioClient.java:12)"));
    }

    /** A socket that existed before the agent was attached: no stack, no thread, no open time. */
    static Finding beforeAttach() {
        return new Finding(21, LeakStatus.OPEN, TcpState.CLOSE_WAIT, Origin.BEFORE_ATTACH,
                endpoint("127.0.0.1", 50000), endpoint("127.0.0.1", 3306),
                Finding.NEVER, at("2026-11-21T10:05:00Z"), Finding.NEVER, Finding.NEVER, null, List.of());
    }
}
