package dev.closewait.agent.detect;

import dev.closewait.agent.tcp.Endpoint;

import java.util.List;

/**
 * How much of the ephemeral port range this JVM holds towards one remote endpoint, and how fast it
 * takes more: the report's {@code portPressure[]}. Each connection to the same remote needs a
 * local port of its own until its TIME_WAIT or FIN_WAIT_2 ends, so churn and leaks there run the
 * range out.
 */
public final class PortPressureEntry {

    private final Endpoint remote;
    private final int established;
    private final int closeWait;
    private final int finWait2;
    private final int timeWait;
    private final int portRange;
    private final double opensPerMinute;
    private final List<TopStack> topStacks;
    private final String warning;

    /** A creation stack among the opens towards the remote, with its estimated rate. */
    public static final class TopStack {
        private final List<String> stack;
        private final double opensPerMinute;

        public TopStack(List<String> stack, double opensPerMinute) {
            this.stack = List.copyOf(stack);
            this.opensPerMinute = opensPerMinute;
        }

        public List<String> stack() {
            return stack;
        }

        public double opensPerMinute() {
            return opensPerMinute;
        }
    }

    public PortPressureEntry(Endpoint remote, int established, int closeWait, int finWait2, int timeWait, int portRange,
                             double opensPerMinute, List<TopStack> topStacks, String warning) {
        this.remote = remote;
        this.established = established;
        this.closeWait = closeWait;
        this.finWait2 = finWait2;
        this.timeWait = timeWait;
        this.portRange = portRange;
        this.opensPerMinute = opensPerMinute;
        this.topStacks = List.copyOf(topStacks);
        this.warning = warning;
    }

    public Endpoint remote() {
        return remote;
    }

    public int established() {
        return established;
    }

    public int closeWait() {
        return closeWait;
    }

    public int finWait2() {
        return finWait2;
    }

    /** TIME_WAIT rows of local ports this JVM used towards the remote moments before. */
    public int timeWait() {
        return timeWait;
    }

    /** Local ports this JVM holds towards the remote, in any state. */
    public int portsInUse() {
        return established + closeWait + finWait2 + timeWait;
    }

    /** The size of the ephemeral port range ({@code ip_local_port_range}); 0 where unknown. */
    public int portRange() {
        return portRange;
    }

    /** {@link #portsInUse()} over {@link #portRange()}: 0 to 1; 0 where the range is unknown. */
    public double share() {
        return portRange == 0 ? 0 : (double) portsInUse() / portRange;
    }

    public double opensPerMinute() {
        return opensPerMinute;
    }

    /** The creation stacks that open the most, most first (estimated from a sample). */
    public List<TopStack> topStacks() {
        return topStacks;
    }

    /** Past half the range: how soon it runs out at the current rate; else {@code null}. {@link #topStacks()} says who opens most. */
    public String warning() {
        return warning;
    }
}
