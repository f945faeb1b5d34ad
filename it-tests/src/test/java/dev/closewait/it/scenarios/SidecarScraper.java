package dev.closewait.it.scenarios;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Scrapes {@code args[0]} as Prometheus does, once per line the test writes, from inside the
 * network namespace of the JVM it scrapes (as a sidecar in a pod does): prints the body, then
 * {@code # SCRAPED}; {@code # NOT LISTENING} while nothing listens there yet.
 */
public final class SidecarScraper {

    /** What Prometheus 2 asks a target for: OpenMetrics first. */
    public static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).header("Accept", PROMETHEUS_ACCEPT)
                .timeout(Duration.ofSeconds(5)).GET().build();
        BufferedReader fromTest = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (fromTest.readLine() != null) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                System.out.print(response.body());
                System.out.println("# SCRAPED " + response.statusCode());
            } catch (ConnectException notYet) {
                System.out.println("# NOT LISTENING");
            }
            System.out.flush();
        }
    }
}
