package dev.closewait.agent.testing;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.track.Origin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;

/** Findings for report tests, built through the public constructor. */
public final class TestFindings {

    public static final List<String> STACK = List.of(
            "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
            "java.base/java.net.Socket.connect(Socket.java:633)",
            "com.microsoft.sqlserver.jdbc.SocketFinder.getSocketByAddress(IOBuffer.java:3050)",
            "com.example.OrderDao.load(OrderDao.java:42)",
            "com.example.OrderService.find(OrderService.java:17)",
            "java.base/java.lang.Thread.run(Thread.java:840)");

    private TestFindings() {
    }

    public static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    public static Endpoint endpoint(String host, int port) {
        try {
            return Endpoint.of(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host, e);
        }
    }

    /** The leak of DESIGN.md's example: OPEN, connected by http-worker-3, never closed. */
    public static Finding open() {
        return Finding.builder(17).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT).origin(Origin.CONNECT)
                .local(endpoint("127.0.0.1", 51234)).remote(endpoint("127.0.0.1", 1433))
                .openedAt(at("2026-11-21T10:14:02.120Z")).closeWaitSince(at("2026-11-21T10:14:07.500Z"))
                .thread("http-worker-3").stack(STACK).build();
    }

    public static Finding closedLate() {
        return Finding.builder(18).status(LeakStatus.CLOSED_LATE).state(TcpState.CLOSE_WAIT).origin(Origin.ACCEPT)
                .local(endpoint("::1", 8080)).remote(endpoint("::1", 52346)).openedAt(at("2026-11-21T10:00:00Z"))
                .closeWaitSince(at("2026-11-21T10:00:01.250Z")).closedAt(at("2026-11-21T10:01:31.250Z"))
                .thread("acceptor-1").stack(STACK).build();
    }

    public static Finding reclaimed() {
        return Finding.builder(19).status(LeakStatus.RECLAIMED_BY_GC).state(TcpState.CLOSE_WAIT)
                .origin(Origin.CONNECT).local(endpoint("10.0.0.1", 40000)).remote(endpoint("10.0.0.5", 5432))
                .openedAt(at("2026-11-21T10:00:00Z")).closeWaitSince(at("2026-11-21T10:00:10Z"))
                .unreachableAt(at("2026-11-21T10:00:22.500Z")).thread("pool-1-thread-2").stack(STACK).build();
    }

    public static Finding orphaned() {
        return Finding.builder(20).status(LeakStatus.ORPHANED).state(TcpState.CLOSE_WAIT).origin(Origin.CONNECT)
                .local(endpoint("10.0.0.1", 40001)).remote(endpoint("10.0.0.5", 5432))
                .openedAt(at("2026-11-21T10:00:00Z")).closeWaitSince(at("2026-11-21T10:00:10Z"))
                .unreachableAt(at("2026-11-21T10:00:30Z")).thread("nio-1")
                .stack(List.of("java.base/sun.nio.ch.SocketChannelImpl.connect(SocketChannelImpl.java:800)",
                        "com.example.NioClient.open(NioClient.java:12)")).build();
    }

    /** A socket that existed before the agent was attached: no stack, no thread, no open time. */
    public static Finding beforeAttach() {
        return Finding.builder(21).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT).origin(Origin.BEFORE_ATTACH)
                .local(endpoint("127.0.0.1", 50000)).remote(endpoint("127.0.0.1", 3306))
                .closeWaitSince(at("2026-11-21T10:05:00Z")).stack(List.of()).build();
    }
}
