package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A JSON report the agent wrote, with the look-ups the tests need. */
public record Report(JsonNode json) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static Report read(Path file) throws IOException {
        return new Report(MAPPER.readTree(file.toFile()));
    }

    public List<JsonNode> leaks() {
        List<JsonNode> leaks = new ArrayList<>();
        json.path("leaks").forEach(leaks::add);
        return leaks;
    }

    /** The {@code jdbcConnectFailures} entries, most recent first. */
    public List<JsonNode> jdbcConnectFailures() {
        List<JsonNode> failures = new ArrayList<>();
        json.path("jdbcConnectFailures").forEach(failures::add);
        return failures;
    }

    public long summary(String field) {
        return json.path("summary").path(field).asLong(-1);
    }

    /** The leak whose local port is {@code port}, or {@code null}. */
    public JsonNode leakWithLocalPort(int port) {
        return leaks().stream().filter(l -> l.path("local").asText("").endsWith(":" + port)).findFirst().orElse(null);
    }

    /** The leak whose remote port is {@code port}, or {@code null}. */
    public JsonNode leakWithRemotePort(int port) {
        return leaks().stream().filter(l -> l.path("remote").asText("").endsWith(":" + port)).findFirst().orElse(null);
    }

    /** Whether the leak with local port {@code port} has {@code status}. */
    public boolean hasLeak(int localPort, String status) {
        JsonNode leak = leakWithLocalPort(localPort);
        return leak != null && status.equals(leak.path("status").asText());
    }

    /** The stack of a leak as strings. */
    public static List<String> stack(JsonNode leak) {
        List<String> frames = new ArrayList<>();
        leak.path("stack").forEach(f -> frames.add(f.asText()));
        return frames;
    }
}
