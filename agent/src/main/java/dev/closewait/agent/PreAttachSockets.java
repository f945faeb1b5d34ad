package dev.closewait.agent;

import dev.closewait.agent.detect.CloseWaitScanner;
import dev.closewait.agent.tcp.ProcessSockets;

import java.io.IOException;

/** The sockets a JVM held before the agent was attached to it: taken on, without stacks. */
final class PreAttachSockets {

    private PreAttachSockets() {
    }

    /** Takes them on; returns a sentence for the start-up line saying how many, or why none. */
    static String adopt(CloseWaitScanner scanner) {
        if (!ProcessSockets.isAvailable()) {
            return "; sockets open before the attach cannot be listed on this platform";
        }
        try {
            int adopted = scanner.adoptPreexisting(ProcessSockets.inodes());
            return "; " + adopted + (adopted == 1 ? " socket open before the attach is" : " sockets open before the attach are")
                    + " watched too (no creation stack)";
        } catch (IOException unreadable) {
            return "; sockets open before the attach cannot be listed: " + unreadable;
        }
    }
}
