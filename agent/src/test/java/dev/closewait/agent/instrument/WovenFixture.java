package dev.closewait.agent.instrument;

import java.io.IOException;

/**
 * Methods shaped like the JDK's targets (branches, loops, handlers, several returns), woven by
 * {@link JdkWeaverTest} under their own names and run in a loader of their own.
 */
public class WovenFixture {

    public static int haltedWith = -1;

    public WovenFixture(boolean fail) {
        if (fail) {
            throw new IllegalStateException("not made");
        }
    }

    public WovenFixture() {
        this(false);
    }

    /** Returns normally unless {@code tries} is negative; loops and catches on the way. */
    public void connect(Object address, int tries) throws IOException {
        int left = tries;
        while (left > 0) {
            try {
                if (left % 2 == 0) {
                    throw new IOException("retry");
                }
            } catch (IOException retry) {
                left--;
                continue;
            }
            left--;
        }
        if (tries < 0) {
            throw new IOException("refused");
        }
        if (tries == 7) {
            return;
        }
    }

    public boolean finishConnect(int ready) {
        if (ready > 0) {
            return true;
        }
        return false;
    }

    public void close() throws IOException {
        if (haltedWith == -2) {
            throw new IOException("close failed");
        }
    }

    public Object accept(Object next) {
        return next;
    }

    public static byte[] serialize() {
        return new byte[] {1, 2};
    }

    public static void halt(int status) {
        haltedWith = status;
    }
}
