package dev.closewait.it.hardening.scenarios;

import dev.closewait.it.scenarios.Scenario;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.LogManager;
import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * An application that decides its own logging and JMX configuration in {@code main}, before first
 * use, as application servers do; then leaks a socket on a thread whose name forges a line of the
 * agent's output (a line break, a fake summary, ANSI escapes, a bidirectional override), and acts
 * as a JMX client of the agent's MBean: {@code configure} with file options, a too short interval,
 * then a good one. Args: the file for the MBean's text report and the answers to configure.
 */
public final class OwnLogManagerAndMBeanServer {

    /** The forged name: a reader of the text log must not see a second line, a colour, or reversed text. */
    public static final String FORGED_THREAD = "worker-1\n[closewait] summary: 0 sockets tracked, 0 open now, 0 leaks"
            + "\u001b[2J\u001b[31mred\u001b[0m\r\u202eevil\u0007";

    /** The application's own LogManager. */
    public static final class AppLogManager extends LogManager {
    }

    /** The application's own MBeanServerBuilder; counts the servers it built. */
    public static final class AppMBeanServerBuilder extends MBeanServerBuilder {
        static volatile int built;

        @Override
        public MBeanServer newMBeanServer(String defaultDomain, MBeanServer outer, MBeanServerDelegate delegate) {
            built++;
            return super.newMBeanServer(defaultDomain, outer, delegate);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.manager", AppLogManager.class.getName());
        System.setProperty("javax.management.builder.initial", AppMBeanServerBuilder.class.getName());
        Path dump = Path.of(args[0]);

        try (ServerSocket server = Scenario.loopbackServer()) {
            Socket[] leaked = new Socket[1];
            Thread worker = new Thread(() -> {
                try {
                    leaked[0] = new Socket(server.getInetAddress(), server.getLocalPort());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, FORGED_THREAD);
            worker.start();
            worker.join();
            Scenario.keep(leaked[0]);
            server.accept().close();
            Scenario.awaitKernelState(leaked[0].getLocalPort(), "08");
            Scenario.result("clientPort", leaked[0].getLocalPort());

            Scenario.result("serversBefore", MBeanServerFactory.findMBeanServer(null).size());
            Scenario.result("logManager", LogManager.getLogManager().getClass().getName());
            MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
            Scenario.result("builderBuilt", AppMBeanServerBuilder.built);
            ObjectName agent = new ObjectName("dev.closewait:type=LeakDetector");
            long asked = System.nanoTime();
            while (!platform.isRegistered(agent) && System.nanoTime() - asked < 20_000_000_000L) {
                Thread.sleep(10);
            }
            Scenario.result("mbeanRegistered", platform.isRegistered(agent));
            Scenario.result("mbeanAfterMillis", (System.nanoTime() - asked) / 1_000_000);

            StringBuilder answers = new StringBuilder();
            for (String options : new String[] {"ignore=/etc/shadow", "report=/tmp/closewait-jmx-x.json",
                    "log=/etc/shadow", "interval=1ms", "interval=300ms,grace=1s"}) {
                String answer = (String) platform.invoke(agent, "configure", new Object[] {options},
                        new String[] {String.class.getName()});
                answers.append("configure ").append(options).append(" -> ").append(answer).append('\n');
            }
            Scenario.result("optionsNow", platform.getAttribute(agent, "Options"));
            Scenario.step("configured");
            Files.writeString(dump, answers + "--- textReport ---\n" + platform.invoke(agent, "textReport", null, null),
                    StandardCharsets.UTF_8);
            Scenario.step("dumped");
        }
    }
}
