package dev.closewait.agent.tcp;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The kernel's range of ephemeral (local) ports for outgoing connections: {@code net.ipv4.ip_local_port_range}. */
public final class EphemeralPorts {

    private static final String RANGE = "/proc/sys/net/ipv4/ip_local_port_range";

    private EphemeralPorts() {
    }

    /** How many ports the range holds; 0 where it cannot be read (not Linux). */
    public static int rangeSize() {
        try (BufferedReader in = new BufferedReader(new FileReader(RANGE, StandardCharsets.US_ASCII))) {
            String[] bounds = in.readLine().trim().split("\\s+");
            return Integer.parseInt(bounds[1]) - Integer.parseInt(bounds[0]) + 1;
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }
}
