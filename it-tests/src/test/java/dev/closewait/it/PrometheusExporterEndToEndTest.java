package dev.closewait.it;

import dev.closewait.it.scenarios.KernelTcpTable;
import dev.closewait.it.scenarios.ScrapedFleetMember;
import dev.closewait.it.scenarios.SidecarScraper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * closewait behind the real Prometheus JMX exporter: a scenario JVM runs both agents, the exporter
 * with {@code docs/prometheus/closewait-rules.yml} as it is, and its HTTP endpoint is scraped as
 * Prometheus does (OpenMetrics), on every {@link Jdk}: from the host, and from inside a network
 * namespace whose narrow port range lets the scenario raise a port pressure warning honestly.
 */
class PrometheusExporterEndToEndTest {

    /** Connections the scenario keeps open towards one remote, and connections it opens and closes there. */
    static final int HELD = 40;
    static final int CHURNED = 200;
    static final Duration STARTED = Duration.ofSeconds(30);
    static final Duration SCRAPED = Duration.ofSeconds(15);
    /** The namespace's range of ephemeral ports, and the ports the scenario takes there: past half. */
    static final int NARROW_RANGE = 100;
    static final int NARROW_HELD = 30;
    static final int NARROW_CHURNED = 30;
    static final String NARROW_NETWORK = "ip link set lo up && sysctl -q -w net.ipv4.ip_local_port_range='40000 "
            + (40000 + NARROW_RANGE - 1) + "'";
    /** The exporter's port in the namespace: nothing else listens there. */
    static final int NAMESPACE_PORT = 9404;

    @TempDir
    Path work;

    private ScenarioProcess app;
    private Process sidecar;

    @AfterEach
    void killScenario() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        if (app != null) {
            app.close();
        }
    }

    @AcrossJdks
    void exporterShowsTheLeakThePooledConnectionAndThePortShareWithTheDocumentedNames(Jdk jdk) throws Exception {
        assumePresent(jdk);
        int port = freePort();
        app = ScenarioProcess.start(jdk, work, ScrapedFleetMember.class, EndToEnd.FAST,
                List.of("-javaagent:" + exporterJar() + "=127.0.0.1:" + port + ":" + rules()),
                String.valueOf(HELD), String.valueOf(CHURNED));
        app.awaitStep("ready", STARTED);
        int portRange = ephemeralPortRange();
        int stockPort = app.intResult("stockPort");
        Scraper fromTheHost = hostScraper(port);

        // Ports towards the stock server: those held open plus those in TIME_WAIT. The kernel's
        // own count of the latter is the reference: one run on a busy machine showed one port fewer
        // than were churned, whichever side lost it.
        Scrape scrape = awaitScrape(fromTheHost, s -> describesTheScenario(s)
                && Math.round(s.value("closewait_max_port_share_ratio") * portRange) == HELD + KernelTcpTable.rowsTowards(stockPort, KernelTcpTable.TIME_WAIT));

        assertDescribesTheScenario(scrape, jdk, HELD, CHURNED);
        int timeWait = KernelTcpTable.rowsTowards(stockPort, KernelTcpTable.TIME_WAIT);
        System.out.println("[it-tests] " + jdk + ": " + HELD + " held + " + timeWait + " in TIME_WAIT (of " + CHURNED
                + " churned) of " + portRange + " ports: share " + scrape.value("closewait_max_port_share_ratio"));
        assertTrue(timeWait > 0 && timeWait <= CHURNED, timeWait + " TIME_WAIT rows towards the stock server");
        assertEquals((double) (HELD + timeWait) / portRange, scrape.value("closewait_max_port_share_ratio"),
                0.5 / portRange, scrape::text);
        // Far below half the range: no warning.
        assertEquals(0, scrape.value("closewait_port_pressure_warnings"), scrape::text);
    }

    /**
     * The warning needs more than half the ephemeral port range towards one remote: 14,117 ports of
     * the usual 28,232. Rather than take them from the machine, the scenario runs in a network
     * namespace of its own whose range is 100 ports, and holds 60 of them; the exporter is scraped
     * from inside that namespace, as a sidecar in the same pod would.
     */
    @Test
    void exporterShowsPortPressureWarningInANamespaceWithANarrowPortRange() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: the port range is a kernel fact; the exporter leg above runs on every JDK.
        String unavailable = privateNetworkUnavailable();
        assumeTrue(unavailable == null, unavailable);
        String classpath = System.getProperty("closewait.scenario.classpath", "target/test-classes");
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", NARROW_NETWORK + " && exec \"$@\"", "sh"));
        command.addAll(List.of(jdk.java().toString(),
                "-javaagent:" + ScenarioProcess.agentJar() + "=" + EndToEnd.FAST + ",report=" + work.resolve("leaks.json"),
                "-javaagent:" + exporterJar() + "=127.0.0.1:" + NAMESPACE_PORT + ":" + rules(),
                "-Xmx256m", "-cp", classpath, ScrapedFleetMember.class.getName(),
                String.valueOf(NARROW_HELD), String.valueOf(NARROW_CHURNED)));
        app = ScenarioProcess.start(command, work, work.resolve("leaks.json"));
        app.awaitStep("ready", STARTED);
        sidecar = new ProcessBuilder("nsenter", "--net=/proc/" + app.result("pid") + "/ns/net", jdk.java().toString(),
                "-cp", classpath, SidecarScraper.class.getName(), "http://127.0.0.1:" + NAMESPACE_PORT + "/metrics")
                .redirectError(work.resolve("sidecar-stderr.txt").toFile()).start();

        // The TIME_WAIT rows are read every few scans: wait until every churned port is counted, as
        // many as the kernel showed in the namespace (the host leg above says why it may be fewer).
        int timeWait = app.intResult("timeWait");
        assertTrue(timeWait > 0 && timeWait <= NARROW_CHURNED, timeWait + " TIME_WAIT rows in the namespace");
        double share = (double) (NARROW_HELD + timeWait) / NARROW_RANGE;
        Scrape scrape = awaitScrape(sidecarScraper(sidecar), s -> describesTheScenario(s)
                && s.value("closewait_port_pressure_warnings") == 1
                && Math.abs(s.value("closewait_max_port_share_ratio") - share) < 0.5 / NARROW_RANGE);

        assertDescribesTheScenario(scrape, jdk, NARROW_HELD, NARROW_CHURNED);
        assertEquals(share, scrape.value("closewait_max_port_share_ratio"), 0.5 / NARROW_RANGE, scrape::text);
        assertEquals(1, scrape.value("closewait_port_pressure_warnings"), scrape::text);
        assertTrue(app.stderr().contains("ephemeral ports in use"), "the agent's log names the pressure too" + app.describe());
    }

    /** What both legs wait for: the leak, the pooled connection, and the servers' ends of both. */
    private static boolean describesTheScenario(Scrape s) {
        return s.value("closewait_leaks{status=\"open\"}") == 2 && s.value("closewait_held_by_pool_leaks") == 1
                && s.value("closewait_peers_not_closing") == 2;
    }

    private void assertDescribesTheScenario(Scrape scrape, Jdk jdk, int held, int churned) throws Exception {
        // The application's own leak and the keep-alive cache's idle connection are both open
        // findings; the pool's is told apart, so an alert on the difference fires for the first only.
        assertEquals(2, scrape.value("closewait_leaks{status=\"open\"}"), scrape::text);
        assertEquals(1, scrape.value("closewait_held_by_pool_leaks"), scrape::text);
        for (String status : List.of("closed_late", "reclaimed_by_gc", "orphaned")) {
            assertEquals(0, scrape.value("closewait_leaks{status=\"" + status + "\"}"), scrape::text);
        }
        assertEquals(2, scrape.value("closewait_reported_leaks_total"), scrape::text);
        assertEquals(0, scrape.value("closewait_before_attach_leaks"), scrape::text);
        assertEquals(0, scrape.value("closewait_ignored_leaks_total"), scrape::text);
        assertEquals(0, scrape.value("closewait_dropped_leaks_total"), scrape::text);
        assertEquals(0, scrape.value("closewait_jdbc_connect_failures_total"), scrape::text);
        // Both ends of every connection are this JVM's; the scrapes' connections come on top.
        assertTrue(scrape.value("closewait_tracked_sockets_total") >= 2 * (2 + held + churned), scrape::text);
        assertTrue(scrape.value("closewait_open_sockets") >= 2 + 2 * held, scrape::text);
        // The servers' ends of both leaked connections: closed, and their clients (this JVM's leaks)
        // never finish closing, so both sit in FIN_WAIT_2.
        assertEquals(2, scrape.value("closewait_peers_not_closing"), scrape::text);

        String version = app.awaitReport(r -> r.leaks().size() == 2, SCRAPED).json().path("version").asText();
        assertFalse(version.isEmpty());
        assertEquals(1, scrape.value("closewait_agent{version=\"" + version + "\"}"), scrape::text);
        assertTrue(scrape.text().contains("# TYPE closewait_tracked_sockets counter"), scrape::text);
        assertTrue(scrape.text().contains("# TYPE closewait_leaks gauge"), scrape::text);
        assertTrue(scrape.text().endsWith("# EOF\n"), "OpenMetrics, as Prometheus asks for it");
        assertTrue(scrape.has("process_open_fds"), "the exporter's own JVM metrics stay beside closewait's");

        String output = app.describe();
        for (String sign : List.of("Exception", "Error:", "SEVERE", "\tat ")) {
            assertFalse(output.contains(sign), "neither agent may print '" + sign + "'" + output);
        }
        System.out.println("[it-tests] " + jdk + ": the exporter's closewait metrics:\n" + scrape.closewaitLines());
    }

    /** One scrape; {@code null} while nothing listens yet. */
    interface Scraper {
        Scrape scrape() throws Exception;
    }

    private static Scraper hostScraper(int port) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", SidecarScraper.PROMETHEUS_ACCEPT).timeout(Duration.ofSeconds(5)).GET().build();
        return () -> {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response::body);
                return new Scrape(response.body());
            } catch (ConnectException notYet) {
                return null;
            }
        };
    }

    /** Asks the sidecar for a scrape and reads it back, up to its {@code # SCRAPED} line. */
    private static Scraper sidecarScraper(Process sidecar) {
        Writer ask = new OutputStreamWriter(sidecar.getOutputStream(), StandardCharsets.UTF_8);
        BufferedReader answers = new BufferedReader(new InputStreamReader(sidecar.getInputStream(), StandardCharsets.UTF_8));
        return () -> {
            ask.write("scrape\n");
            ask.flush();
            StringBuilder body = new StringBuilder();
            for (String line; (line = answers.readLine()) != null; ) {
                if (line.equals("# NOT LISTENING")) {
                    return null;
                }
                if (line.startsWith("# SCRAPED ")) {
                    assertEquals("# SCRAPED 200", line, body::toString);
                    return new Scrape(body.toString());
                }
                body.append(line).append('\n');
            }
            throw new AssertionError("the sidecar scraper ended; its stderr is in sidecar-stderr.txt");
        };
    }

    /** Scrapes until {@code ready} holds, printing each change; fails at the deadline with the last scrape. */
    private Scrape awaitScrape(Scraper scraper, Predicate<Scrape> ready) throws Exception {
        long deadline = System.nanoTime() + SCRAPED.toNanos();
        Scrape last = null;
        String shown = null;
        int scrapes = 0;
        while (System.nanoTime() < deadline) {
            Scrape scrape = scraper.scrape();
            if (scrape != null) {
                last = scrape;
                scrapes++;
                String lines = last.closewaitSamples();
                if (!lines.equals(shown)) {
                    System.out.println("[it-tests] scrape " + scrapes + ":\n" + lines);
                    shown = lines;
                }
                if (ready.test(last)) {
                    return last;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the scrape never showed the scenario within " + SCRAPED + "; last scrape:\n"
                + (last == null ? "none" : last.text()) + app.describe());
    }

    /** Why no network namespace with a narrow port range can be made here (not root, no unshare); {@code null} if it can. */
    private static String privateNetworkUnavailable() throws InterruptedException {
        try {
            Process probe = new ProcessBuilder("unshare", "--net", "sh", "-c", NARROW_NETWORK)
                    .redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return probe.waitFor() == 0 ? null : "no network namespace with a narrow port range here (unshare --net: "
                    + output + "): the port pressure warning leg is skipped";
        } catch (IOException noUnshare) {
            return "no unshare command here (" + noUnshare.getMessage() + "): the port pressure warning leg is skipped";
        }
    }

    static Path exporterJar() {
        Path jar = Path.of(Objects.requireNonNull(System.getProperty("closewait.prometheus.agent.jar"),
                "closewait.prometheus.agent.jar is set by the build"));
        assertTrue(Files.isRegularFile(jar), jar + " is copied by the build (maven-dependency-plugin)");
        return jar.toAbsolutePath();
    }

    static Path rules() {
        return PrometheusExamplesTest.docs().resolve("closewait-rules.yml");
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    /**
     * The size of {@code net.ipv4.ip_local_port_range}, the denominator of the share. Read by lines:
     * {@code Files.readString} gets only the first byte of this file.
     */
    private static int ephemeralPortRange() throws IOException {
        String[] bounds = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        return Integer.parseInt(bounds[1]) - Integer.parseInt(bounds[0]) + 1;
    }

    /**
     * One scrape in OpenMetrics or Prometheus' text format: samples keyed by name and labels as the
     * exporter writes them (label values may hold spaces: {@code jvm_runtime_info}'s do).
     */
    static final class Scrape {
        private final String text;
        private final Map<String, Double> samples = new TreeMap<>();

        Scrape(String text) {
            this.text = text;
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                int brace = line.indexOf('{');
                int end = brace >= 0 && brace < space ? line.lastIndexOf('}') + 1 : space;
                String[] rest = line.substring(end).trim().split(" ");
                samples.put(line.substring(0, end), Double.parseDouble(rest[0]));
            }
        }

        boolean has(String sample) {
            return samples.containsKey(sample);
        }

        double value(String sample) {
            Double value = samples.get(sample);
            return value == null ? Double.NaN : value;
        }

        String text() {
            return text;
        }

        /** closewait's samples. */
        String closewaitSamples() {
            StringBuilder lines = new StringBuilder();
            for (String line : text.split("\n")) {
                if (line.startsWith("closewait_")) {
                    lines.append("  ").append(line).append('\n');
                }
            }
            return lines.toString();
        }

        /** closewait's part of the scrape, with its HELP and TYPE lines. */
        String closewaitLines() {
            StringBuilder lines = new StringBuilder();
            for (String line : text.split("\n")) {
                if (line.startsWith("closewait_") || line.startsWith("# HELP closewait_")
                        || line.startsWith("# TYPE closewait_")) {
                    lines.append("  ").append(line).append('\n');
                }
            }
            return lines.toString();
        }
    }
}
