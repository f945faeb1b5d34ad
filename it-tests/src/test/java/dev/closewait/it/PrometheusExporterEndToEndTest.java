package dev.closewait.it;

import dev.closewait.it.scenarios.ScrapedFleetMember;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * closewait behind the real Prometheus JMX exporter: a scenario JVM runs both agents, the exporter
 * with {@code docs/prometheus/closewait-rules.yml} as it is, and the test scrapes its HTTP endpoint
 * as Prometheus would, on every {@link Jdk}.
 */
class PrometheusExporterEndToEndTest {

    /** Connections the scenario keeps open towards one remote, and connections it opens and closes there. */
    static final int HELD = 40;
    static final int CHURNED = 200;
    static final Duration STARTED = Duration.ofSeconds(30);
    static final Duration SCRAPED = Duration.ofSeconds(15);
    /** What Prometheus 2 asks a target for: OpenMetrics first. */
    static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    @TempDir
    Path work;

    private ScenarioProcess app;

    @AfterEach
    void killScenario() {
        if (app != null) {
            app.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void exporterShowsTheLeakThePooledConnectionAndThePortShareWithTheDocumentedNames(Jdk jdk) throws Exception {
        if (!jdk.present()) {
            System.out.println("[it-tests] SKIPPED: " + jdk.missingReason());
        }
        assumeTrue(jdk.present(), jdk.missingReason());
        int port = freePort();
        app = ScenarioProcess.start(jdk, work, ScrapedFleetMember.class, "interval=200ms,grace=1s",
                List.of("-javaagent:" + exporterJar() + "=127.0.0.1:" + port + ":" + rules()),
                String.valueOf(HELD), String.valueOf(CHURNED));
        app.awaitStep("ready", STARTED);
        int portRange = ephemeralPortRange();

        Scrape scrape = awaitScrape(port, s -> s.value("closewait_leaks{status=\"open\"}") == 2
                && s.value("closewait_held_by_pool_leaks") == 1 && s.value("closewait_peers_not_closing") == 2
                && Math.round(s.value("closewait_max_port_share_ratio") * portRange) == HELD + CHURNED);

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
        assertTrue(scrape.value("closewait_tracked_sockets_total") >= 2 + 2 + 2 * (HELD + CHURNED), scrape::text);
        assertTrue(scrape.value("closewait_open_sockets") >= 2 + 2 * HELD, scrape::text);

        // Ports towards the stock server: those held open plus those in TIME_WAIT, out of the
        // kernel's range. Far below half the range: no warning.
        double share = scrape.value("closewait_max_port_share_ratio");
        assertEquals((double) (HELD + CHURNED) / portRange, share, 0.5 / portRange, scrape::text);
        assertEquals(0, scrape.value("closewait_port_pressure_warnings"), scrape::text);

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

    /** Scrapes until {@code ready} holds, printing each change; fails at the deadline with the last scrape. */
    private Scrape awaitScrape(int port, Predicate<Scrape> ready) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", PROMETHEUS_ACCEPT).timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + SCRAPED.toNanos();
        Scrape last = null;
        String shown = null;
        int scrapes = 0;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response::body);
                last = new Scrape(response.body());
                scrapes++;
                String lines = last.closewaitLines();
                if (!lines.equals(shown)) {
                    System.out.println("[it-tests] scrape " + scrapes + ":\n" + lines);
                    shown = lines;
                }
                if (ready.test(last)) {
                    return last;
                }
            } catch (ConnectException notYet) {
                // the exporter's server is not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the scrape never showed the scenario within " + SCRAPED + "; last scrape:\n"
                + (last == null ? "none" : last.text()) + app.describe());
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
