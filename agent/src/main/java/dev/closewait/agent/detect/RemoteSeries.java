package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;

import java.util.List;

/** CLOSE_WAIT and FIN_WAIT_2 sockets of this JVM towards one remote over time: the report's {@code series[]}. */
public final class RemoteSeries {

    private final Endpoint remote;
    private final List<long[]> points;

    /** @param points each {@code {epochMillis, closeWait, finWait2}}, oldest first */
    public RemoteSeries(Endpoint remote, List<long[]> points) {
        this.remote = remote;
        this.points = List.copyOf(points);
    }

    public Endpoint remote() {
        return remote;
    }

    /** Each {@code {epochMillis, closeWait, finWait2}}, oldest first. */
    public List<long[]> points() {
        return points;
    }
}
