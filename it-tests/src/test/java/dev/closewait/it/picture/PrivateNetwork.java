package dev.closewait.it.picture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace of the test's own, its loopback up and its ephemeral port range 100 ports
 * wide, so that a scenario can take more than half of it honestly (the usual range is 28,232
 * ports). TIME_WAIT ports are not reused for new connections there: each churned connection keeps
 * its port for the 60 s of its TIME_WAIT, as on a host that does not talk to itself.
 */
final class PrivateNetwork {

    static final int FIRST_PORT = 40_000;
    static final int RANGE = 100;
    private static final String SETUP = "ip link set lo up"
            + " && sysctl -q -w net.ipv4.ip_local_port_range='" + FIRST_PORT + " " + (FIRST_PORT + RANGE - 1) + "'"
            + " && sysctl -q -w net.ipv4.tcp_tw_reuse=0";

    private PrivateNetwork() {
    }

    /** {@code command}, run inside a new namespace set up so. */
    static List<String> inside(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", SETUP + " && exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Why no such namespace can be made here (not root, no {@code unshare}); {@code null} if it can. */
    static String unavailable() throws InterruptedException {
        try {
            Process probe = new ProcessBuilder("unshare", "--net", "sh", "-c", SETUP).redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return probe.waitFor() == 0 ? null : "no network namespace with a narrow port range here (unshare --net: "
                    + output + "): the port pressure legs are skipped";
        } catch (IOException noUnshare) {
            return "no unshare command here (" + noUnshare.getMessage() + "): the port pressure legs are skipped";
        }
    }
}
