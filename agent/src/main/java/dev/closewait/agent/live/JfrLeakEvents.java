package dev.closewait.agent.live;

import dev.closewait.agent.detect.Finding;

/**
 * Records findings as {@link ConnectionLeakEvent}s. A runtime without the {@code jdk.jfr} module
 * gets a recorder that does nothing.
 */
public abstract class JfrLeakEvents {

    private static final JfrLeakEvents NONE = new JfrLeakEvents() {
        @Override
        public void record(Finding leak) {
            // no JFR in this runtime
        }
    };

    /** The recorder for this runtime. */
    public static JfrLeakEvents forThisRuntime() {
        return ModuleLayer.boot().findModule("jdk.jfr").isPresent() ? new Recording() : NONE;
    }

    /** Records {@code leak} if a JFR recording is running. */
    public abstract void record(Finding leak);

    /** Loaded only where jdk.jfr exists. */
    private static final class Recording extends JfrLeakEvents {
        @Override
        public void record(Finding leak) {
            ConnectionLeakEvent event = new ConnectionLeakEvent();
            if (!event.isEnabled()) {
                return;
            }
            event.leakId = leak.id();
            event.status = leak.status().name();
            event.state = leak.state() == null ? null : leak.state().name();
            event.origin = leak.origin().name();
            event.local = leak.local() == null ? null : leak.local().toString();
            event.remote = leak.remote().toString();
            event.thread = leak.thread();
            event.stack = String.join("\n", leak.stack());
            if (leak.jdbc() != null) {
                event.jdbcUrl = leak.jdbc().url();
                event.jdbcConnectError = leak.jdbc().connectError() == null ? null : leak.jdbc().connectError().toString();
            }
            event.commit();
        }
    }
}
