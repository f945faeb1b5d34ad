package dev.closewait.it;

import dev.closewait.it.scenarios.PlainSocketLeak;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.closewait.it.EndToEnd.REPORTED;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where TCP states come from, as users meet it: netlink where the agent may load its native reader
 * (JDK 17; JDK 24 and later only with {@code --enable-native-access=ALL-UNNAMED}), {@code /proc}
 * otherwise or when asked with {@code -Dclosewait.tcpTable=proc}. Whatever the table, the leak is
 * found, the start-up line says which table is read and why not netlink, and the JDK prints no
 * native-access warning into the application's output.
 */
class TcpTableEndToEndTest {

    private static final String NETLINK = "[closewait] TCP states from netlink (sock_diag); peers' closes heard through epoll";
    private static final String PROC = "[closewait] TCP states from /proc/self/net/tcp and /proc/self/net/tcp6";

    @TempDir
    Path work;

    @AcrossJdks
    void byDefaultNetlinkWhereNativeCodeLoadsWithoutAWarningElseProcWithTheReason(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String stderr = leakFoundWith(jdk, "default", List.of());
        if (jdk.feature() >= 24) {
            assertTrue(stderr.contains(PROC + " (not netlink: JDK " + jdk.feature()
                    + " lets an agent load native code without a warning only under --enable-native-access=ALL-UNNAMED)"),
                    stderr);
        } else {
            assertTrue(stderr.contains(NETLINK + "\n"), stderr);
        }
    }

    @AcrossJdks
    void withNativeAccessEnabledNetlinkOnEveryJdk(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String stderr = leakFoundWith(jdk, "native-access", List.of("--enable-native-access=ALL-UNNAMED"));
        assertTrue(stderr.contains(NETLINK + "\n"), stderr);
    }

    @AcrossJdks
    void procWhenAskedFor(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String stderr = leakFoundWith(jdk, "proc", List.of("-Dclosewait.tcpTable=proc"));
        assertTrue(stderr.contains(PROC + " (not netlink: -Dclosewait.tcpTable=proc)"), stderr);
    }

    /** Runs the plain leak with {@code jvmOptions}; asserts it is reported and no JDK warning shows; returns stderr. */
    private String leakFoundWith(Jdk jdk, String name, List<String> jvmOptions) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        try (ScenarioProcess app = ScenarioProcess.start(jdk, dir, PlainSocketLeak.class, EndToEnd.FAST,
                jvmOptions)) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EndToEnd.EXIT), app::describe);
            String stderr = app.stderr();
            assertFalse(stderr.contains("restricted method"), "no native-access warning: " + stderr);
            assertFalse(stderr.contains("WARNING: "), stderr);
            return stderr;
        }
    }
}
