package dev.closewait.agent.report;

import dev.closewait.agent.tcp.Endpoint;

/**
 * How reports write a peer: a remote endpoint ({@code 10.0.0.7:5432}, {@code [::1]:8080}), or,
 * for connections this JVM accepted, the client host alone ({@code 10.0.0.5}, {@code ::1}), which
 * the agent keeps as port 0.
 */
public final class Peers {

    private Peers() {
    }

    /** {@code remote} as reports write it. */
    public static String text(Endpoint remote) {
        return remote.port() == 0 ? remote.host() : remote.toString();
    }

    /** What {@link #text} wrote, back. */
    static Endpoint parse(String text) {
        boolean hostOnly = text.indexOf(':') < 0 || !text.startsWith("[") && text.indexOf(':') != text.lastIndexOf(':');
        if (!hostOnly) {
            return Endpoint.parse(text);
        }
        return Endpoint.parse(text.indexOf(':') < 0 ? text + ":0" : "[" + text + "]:0");
    }
}
