package dev.closewait.it.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.Cli;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import dev.closewait.it.hardening.scenarios.OwnLogManagerAndMBeanServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static dev.closewait.it.hardening.Hostile.EXIT;
import static dev.closewait.it.hardening.Hostile.FAST;
import static dev.closewait.it.hardening.Hostile.REPORTED;
import static dev.closewait.it.hardening.Hostile.assertNoRawControl;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host decides its configuration, and what it names cannot forge the agent's output: an
 * application's own LogManager and MBeanServerBuilder stay in force, the agent's MBean comes when
 * the application makes the platform MBean server, a JMX client cannot point the agent at files
 * nor make it spin, and a thread name holding a line break and escapes is escaped in every text
 * output (the log file, stderr under failOnLeak, the MBean's text report, check's output).
 */
class HostConfigurationEndToEndTest {

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void theApplicationsOwnConfigurationStandsAndJmxAndThreadNamesCannotSteerTheAgent(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path log = work.resolve("agent.log");
        Path dump = work.resolve("mbean.txt");
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, OwnLogManagerAndMBeanServer.class,
                FAST + ",failOnLeak,log=" + log, dump.toString())) {
            app.awaitStep("configured", EXIT);
            assertEquals("0", app.result("serversBefore"), "the agent made no MBean server of its own");
            assertEquals(OwnLogManagerAndMBeanServer.AppLogManager.class.getName(), app.result("logManager"));
            assertEquals("1", app.result("builderBuilt"), "the platform MBean server came from the application's builder");
            assertEquals("true", app.result("mbeanRegistered"), app::describe);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            app.awaitStep("dumped", EXIT);
            app.proceed();
            assertEquals(3, app.awaitExit(EXIT), "failOnLeak" + app.describe());

            String answers = Files.readString(dump);
            List<String> configure = answers.lines().filter(l -> l.startsWith("configure ")).collect(Collectors.toList());
            System.out.println("[it-tests] " + jdk + ": MBean registered " + app.result("mbeanAfterMillis")
                    + " ms after the application asked for the platform MBean server; " + String.join("\n", configure));
            for (int i = 0; i < 3; i++) {
                assertTrue(configure.get(i).contains("-> the new options were not applied: over JMX only interval and grace"),
                        configure.get(i));
            }
            assertTrue(configure.get(3).contains("-> the new options were not applied: option 'interval' must be at least 100ms"),
                    configure.get(3));
            assertTrue(configure.get(4).contains("-> now in force: interval=300ms, grace=1s"), configure.get(4));
            assertTrue(app.result("optionsNow").startsWith("interval=300ms, grace=1s, report=" + work.resolve("leaks.json")),
                    app.result("optionsNow"));
            assertFalse(Files.exists(Path.of("/tmp/closewait-jmx-x.json")), "configure over JMX wrote no report");
            Path shadow = Path.of("/etc/shadow");
            for (String line : Files.isReadable(shadow) ? Files.readAllLines(shadow) : List.<String>of()) {
                if (line.length() > 4) {
                    assertFalse(answers.contains(line), "an answer quotes /etc/shadow");
                }
            }

            Report last = app.finalReport();
            JsonNode leak = last.leakWithLocalPort(port);
            assertEquals(OwnLogManagerAndMBeanServer.FORGED_THREAD, leak.path("thread").asText(),
                    "JSON keeps the name exactly, escaped by JSON's rules");
            Cli.Run check = Cli.run(jdk, "check", work.resolve("leaks.json").toString());
            assertEquals(1, check.status(), check::describe);
            String textReport = answers.substring(answers.indexOf("--- textReport ---"));
            for (var output : List.of(List.of("the log file", Files.readString(log)), List.of("stderr", app.stderr()),
                    List.of("the MBean's textReport", textReport), List.of("check's output", check.out() + check.err()))) {
                String where = output.get(0);
                String text = output.get(1);
                assertNoRawControl(where, text);
                assertTrue(text.lines().noneMatch(l -> l.startsWith("[closewait] summary: 0 sockets")),
                        () -> where + " shows the forged summary line:\n" + text);
            }
            assertTrue(Files.readString(log).contains("opened by thread \"worker-1\\n[closewait] summary: 0 sockets"),
                    "the name is there, escaped: " + Files.readString(log));
        }
    }
}
