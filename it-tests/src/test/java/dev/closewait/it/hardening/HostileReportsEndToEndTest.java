package dev.closewait.it.hardening;

import dev.closewait.it.Cli;
import dev.closewait.it.Jdk;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.closewait.it.hardening.Hostile.assertNoRawControl;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar closewait-agent.jar check} on reports made to mislead a CI gate or the terminal
 * that shows its output: each is refused with status 2 and a reason, and no raw escape reaches the
 * output; a big report is read in a small heap.
 */
class HostileReportsEndToEndTest {

    static final String ESC = "\u001b";

    @TempDir
    Path work;

    /** A valid report of {@code leaks} leaks, the first one's stack frame and thread as given. */
    static String report(int leaks, String frame, String thread) {
        StringBuilder json = new StringBuilder("{\"tool\":\"closewait\",\"version\":\"0.1.0\",\"pid\":4242,"
                + "\"generatedAt\":\"2026-12-01T11:11:18Z\",\"summary\":{\"tracked\":" + leaks + ",\"open\":" + leaks
                + ",\"leaks\":" + leaks + ",\"ignored\":0,\"heldByPools\":0,\"dropped\":0},\"leaks\":[");
        for (int i = 1; i <= leaks; i++) {
            json.append(i == 1 ? "" : ",").append("{\"id\":").append(i).append(",\"status\":\"OPEN\",\"state\":\"CLOSE_WAIT\","
                    + "\"origin\":\"CONNECT\",\"local\":\"127.0.0.1:").append(1024 + i % 60000).append("\",\"remote\":"
                    + "\"127.0.0.1:42629\",\"openedAt\":\"2026-12-01T11:11:05.068Z\",\"closeWaitSince\":"
                    + "\"2026-12-01T11:11:05.176Z\",\"closedAt\":null,\"thread\":").append(jsonString(thread))
                    .append(",\"stack\":[").append(jsonString(frame));
            for (int f = 0; f < 10; f++) {
                json.append(",\"java.base/java.net.Socket.connect(Socket.java:").append(600 + f).append(")\"");
            }
            json.append("],\"jdbc\":null}");
        }
        return json.append("]}").toString();
    }

    private static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == '"' || c == '\\' ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.append('"').toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void hostileReportsAreRefusedWithStatus2SayingWhyAndNoRawEscapeIsPrinted(Jdk jdk) throws Exception {
        assumePresent(jdk);
        String valid = report(1, "com.example.orders.OrderClient.loadStock(OrderClient.java:21)", "main");
        String evil = ESC + "]0;owned" + "\u0007" + ESC + "[2J" + "\n[closewait] fake\u202e";
        Map<String, String> hostile = new LinkedHashMap<>();
        hostile.put("duplicate-key.json", valid.replace("\"status\":\"OPEN\"", "\"status\":\"OPEN\",\"status\":\"CLOSED_LATE\""));
        hostile.put("unknown-version.json", valid.replace("\"version\":\"0.1.0\"", "\"version\":\"9.0.0\""));
        hostile.put("unknown-status.json", valid.replace("\"status\":\"OPEN\"", "\"status\":" + jsonString("PWNED" + evil)));
        hostile.put("overflowing-count.json", valid.replace("\"tracked\":1", "\"tracked\":184467440737095516160"));
        hostile.put("negative-count.json", valid.replace("\"dropped\":0", "\"dropped\":-5"));
        hostile.put("named-" + ESC + "[31m-\n.json", "{\"tool\":\"closewait\"");
        for (Map.Entry<String, String> file : hostile.entrySet()) {
            Files.writeString(work.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
        }
        Path huge = work.resolve("huge.json");
        try (var out = Files.newBufferedWriter(huge)) {
            out.write(valid.substring(0, valid.length() - 1));
            for (long i = 0; i <= dev.closewait.agent.report.ReportReader.MAX_BYTES / 1024; i++) {
                out.write(" ".repeat(1024));
            }
            out.write("}");
        }

        // One run for all (each problem is status 2 alone; together they must each be named).
        List<String> args = new java.util.ArrayList<>(List.of("check", huge.toString()));
        hostile.keySet().forEach(name -> args.add(work.resolve(name).toString()));
        Cli.Run all = Cli.run(List.of("-Xmx16m"), jdk, args.toArray(String[]::new));
        System.out.println("[it-tests] " + jdk + " check on hostile reports:\n" + all.err());
        assertEquals(2, all.status(), all::describe);
        assertNoRawControl("check's output", all.out() + all.err());
        assertTrue(all.err().contains("huge.json is " + Files.size(huge) + " bytes, more than any closewait report"), all.err());
        assertTrue(all.err().contains("duplicate-key.json is not valid JSON at line 1") && all.err().contains("Duplicate field 'status'"),
                all.err());
        assertTrue(all.err().contains("unknown-version.json was written by closewait 9.0.0"), all.err());
        assertTrue(all.err().contains("unknown-status.json: ") && all.err().contains("status"), all.err());
        assertTrue(all.err().contains("overflowing-count.json: summary.tracked is out of range"), all.err());
        assertTrue(all.err().contains("negative-count.json: summary.dropped"), all.err());
        assertTrue(all.err().contains("named-\\u001b[31m-\\n.json is not valid JSON"), all.err());
        assertEquals(hostile.size() + 1, all.err().lines().count(), "one line per file: " + all.err());

        // Escapes in a valid report's fields: listed (status 1), escaped.
        Path escaped = work.resolve("escapes.json");
        Files.writeString(escaped, report(1, "com.example.Evil.run(" + evil + ":1)", "worker" + evil));
        Cli.Run listed = Cli.run(jdk, "check", escaped.toString());
        assertEquals(1, listed.status(), listed::describe);
        assertNoRawControl("check's listing", listed.out() + listed.err());
        assertTrue(listed.out().lines().noneMatch(l -> l.startsWith("[closewait] fake")), listed.out());

        // A pool's library, which the text prints beside the frame: escaped too (a pool's finding fails no gate).
        Path held = work.resolve("held.json");
        Files.writeString(held, report(1, "com.example.orders.OrderClient.loadStock(OrderClient.java:21)", "main")
                .replace("\"heldByPools\":0", "\"heldByPools\":1")
                .replace("\"jdbc\":null}", "\"jdbc\":null,\"heldBy\":{\"kind\":\"pool\",\"library\":"
                        + jsonString("HikariCP" + evil) + ",\"name\":\"p\",\"idle\":true,"
                        + "\"idleSince\":\"2026-12-01T11:11:05.100Z\"}}"));
        Cli.Run heldRun = Cli.run(jdk, "check", held.toString());
        assertEquals(0, heldRun.status(), heldRun::describe);
        assertNoRawControl("check's listing of a pool's finding", heldRun.out() + heldRun.err());
        assertTrue(heldRun.out().contains("held idle by HikariCP\\u001b]0;owned"), "the library, escaped: " + heldRun.out());

        // A big report in a small heap: read, listed, status 1.
        Path big = work.resolve("big.json");
        Files.writeString(big, report(1500, "com.example.orders.OrderClient.loadStock(OrderClient.java:21)", "main"));
        Cli.Run bigRun = Cli.run(List.of("-Xmx32m"), jdk, "check", big.toString());
        System.out.println("[it-tests] " + jdk + ": check of a " + Files.size(big) + "-byte report in -Xmx32m: exit "
                + bigRun.status() + ", " + bigRun.out().lines().count() + " lines");
        assertEquals(1, bigRun.status(), () -> bigRun.describe().substring(0, Math.min(2000, bigRun.describe().length())));
        assertTrue(bigRun.out().startsWith("closewait check: 1500 connection leaks in "), bigRun.out().lines().findFirst()::toString);
    }
}
