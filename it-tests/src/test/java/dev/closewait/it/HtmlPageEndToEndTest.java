package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.closewait.it.scenarios.HostileNamedLeak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent's HTML page (option {@code html=}) of a real leaking JVM, opened in headless Chromium
 * through Playwright: it renders without a console error, asks for nothing but itself, draws the
 * report's series point for point, highlights the application frame, and shows a hostile thread name
 * as text. {@code -Dclosewait.screenshot=FILE} saves a picture of it (docs/images/html-report.png).
 */
class HtmlPageEndToEndTest {

    /** The system's Chromium (Debian's package chromium); Playwright never downloads a browser here. */
    static final Path CHROMIUM = Paths.get(System.getProperty("closewait.chromium", "/usr/bin/chromium"));
    /** Points the series towards the leaked sockets' server has at least when the page is made: a line, not a dot. */
    static final int CHART_POINTS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Flags without which Chromium reaches for Google's hosts at start-up, which this network refuses. */
    static final List<String> QUIET = List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions");

    @TempDir
    Path work;

    @Test
    void theAgentsPageRendersOfflineWithTheSeriesTheStackAndTheNamesAsText() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            String reason = "no Chromium at " + CHROMIUM + " (apt-get install chromium; .ci/run installs it)";
            assumeTrue(false, reason);
        }
        Jdk jdk = Jdk.running();
        EndToEnd.assumePresent(jdk);
        Path pageFile = work.resolve("leaks.html");
        Report report;
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, HostileNamedLeak.class,
                EndToEnd.FAST + ",html=" + pageFile)) {
            app.awaitStep("leaked", EndToEnd.REPORTED);
            Report leaked = app.awaitReport(r -> r.leaks().size() == 2, EndToEnd.REPORTED);
            // A line on the chart: the live series towards the leaked sockets' server has a few points by now.
            awaitLivePoints(jdk, app.pid(), leaked.leaks().get(0).path("remote").asText());
            app.proceed();
            assertEquals(0, app.awaitExit(EndToEnd.EXIT), app::describe);
            report = app.finalReport();
            assertTrue(app.stderr().contains("html=" + pageFile), app::describe);
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pageFile)));
        JsonNode series = report.json().path("series");
        assertTrue(series.size() >= 1, report.json()::toString);

        // The CLI makes the same page of the same report: one renderer, one input.
        Cli.Run cli = Cli.run(jdk, "html", work.resolve("leaks.json").toString(), "-o", work.resolve("cli.html").toString());
        assertEquals(0, cli.status(), cli.describe());
        assertEquals(Files.readString(pageFile), Files.readString(work.resolve("cli.html")),
                "the agent's page at exit is the CLI's page of the final report");

        String url = pageFile.toUri().toString();
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                     .setExecutablePath(CHROMIUM).setHeadless(true).setArgs(QUIET));
             BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                     .setViewportSize(1100, 900).setJavaScriptEnabled(true))) {
            context.route("**/*", route -> {
                if (route.request().url().equals(url)) {
                    route.resume();
                } else {
                    problems.add("request " + route.request().url());
                    route.abort();
                }
            });
            Page page = context.newPage();
            page.onRequest(request -> requests.add(request.url()));
            page.onConsoleMessage(message -> {
                if (message.type().equals("error") || message.type().equals("warning")) {
                    problems.add("console " + message.type() + ": " + message.text());
                }
            });
            page.onPageError(error -> problems.add("page error: " + error));
            page.onDialog(dialog -> {
                problems.add("a dialog opened: " + dialog.message());
                dialog.dismiss();
            });
            page.navigate(url);
            page.waitForLoadState();

            assertEquals("closewait report: process " + report.json().path("pid").asLong(), page.title());
            assertEquals("2", page.locator("[data-count=leaks] b").textContent());

            // The chart: one figure per series, each polyline as many points as the report's series.
            Locator charts = page.locator("figure.chart");
            assertEquals(series.size(), charts.count(), page.content());
            for (int i = 0; i < series.size(); i++) {
                JsonNode one = series.get(i);
                Locator chart = charts.nth(i);
                assertEquals(one.path("remote").asText(), chart.getAttribute("data-remote"));
                for (String state : List.of("CLOSE_WAIT", "FIN_WAIT_2")) {
                    Object drawn = chart.locator("polyline[data-state=" + state + "]")
                            .evaluate("line => line.points.numberOfItems");
                    assertEquals(one.path("points").size(), ((Number) drawn).intValue(), state + " of " + one);
                }
            }
            JsonNode towardsServer = null;
            for (JsonNode one : series) {
                if (one.path("remote").asText().equals(report.leaks().get(0).path("remote").asText())) {
                    towardsServer = one;
                }
            }
            assertTrue(towardsServer != null, "a series towards the leaked sockets' remote: " + series);
            long peak = 0;
            for (JsonNode point : towardsServer.path("points")) {
                peak = Math.max(peak, point.get(1).asLong());
            }
            assertEquals(2, peak, "both leaked sockets in CLOSE_WAIT at once: " + towardsServer);
            assertTrue(towardsServer.path("points").size() >= CHART_POINTS, "a line of points: " + towardsServer);

            // The leak group: both leaks share a stack; the application frame is highlighted.
            Locator group = page.locator("#leaks .group").first();
            assertEquals("2", group.getAttribute("data-leaks"));
            Locator app = group.locator("ol.stack li.app").first();
            assertTrue(app.textContent().startsWith("dev.closewait.it.scenarios.HostileNamedLeak.openOrderConnection("),
                    app.textContent());
            assertEquals("rgb(255, 242, 179)", app.evaluate("li => getComputedStyle(li).backgroundColor"));
            assertEquals("rgba(0, 0, 0, 0)", group.locator("ol.stack li:not(.app)").first()
                    .evaluate("li => getComputedStyle(li).backgroundColor"), "other frames are not highlighted");

            // The hostile thread name is text, its newline and escape character written out.
            String thread = group.locator("tr[data-id] td:nth-child(5)").first().textContent();
            assertEquals("<script>alert('x')</script>\\n[closewait] LEAK #99: forged\\u001b[31m", thread);
            assertEquals(1, ((Number) page.evaluate("() => document.scripts.length")).intValue());

            // The script: hovering a chart reads its nearest point out, as text.
            Locator svg = charts.first().locator("svg");
            svg.hover();
            String readout = charts.first().locator(".readout").textContent();
            assertTrue(readout.matches("\\d\\d:\\d\\d:\\d\\d UTC: \\d+ CLOSE_WAIT, \\d+ FIN_WAIT_2"), readout);

            String screenshot = System.getProperty("closewait.screenshot");
            if (screenshot != null && !screenshot.isBlank()) {
                page.mouse().move(0, 0);
                page.screenshot(new Page.ScreenshotOptions().setPath(Paths.get(screenshot)).setFullPage(true));
                System.out.println("[it-tests] screenshot of the HTML page: " + Paths.get(screenshot).toAbsolutePath());
            }
        }
        assertEquals(List.of(), problems, "no console error, no dialog, no request but the page's");
        assertEquals(List.of(url), requests.stream().distinct().toList(), "the page asks for nothing but itself");
    }

    /**
     * Polls the live report ({@code report PID --json}) until its series towards {@code remote} has
     * {@link #CHART_POINTS} points, one per scan: the report file is rewritten for the chart at most every 30 s.
     */
    private static void awaitLivePoints(Jdk jdk, long pid, String remote) throws Exception {
        long deadline = System.nanoTime() + EndToEnd.REPORTED.toNanos();
        Cli.Run last;
        do {
            last = Cli.run(jdk, "report", Long.toString(pid), "--json");
            assertEquals(0, last.status(), last.describe());
            for (JsonNode one : JSON.readTree(last.out()).path("series")) {
                if (one.path("remote").asText().equals(remote) && one.path("points").size() >= CHART_POINTS) {
                    return;
                }
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the live series towards " + remote + " never had " + CHART_POINTS + " points within "
                + EndToEnd.REPORTED + ": " + last.describe());
    }
}
