package dev.closewait.demo.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closewait.demo.OrdersApp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The agent's JSON report (version 1), as the demo reads it. */
record LeakReport(JsonNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The report in {@code file}, or an empty one if the agent has not written it yet. */
    static LeakReport read(Path file) throws IOException {
        return new LeakReport(Files.exists(file) ? JSON.readTree(file.toFile()) : JSON.createObjectNode());
    }

    /** The leaks, by id. */
    List<JsonNode> leaks() {
        List<JsonNode> leaks = new ArrayList<>();
        json.path("leaks").forEach(leaks::add);
        leaks.sort(Comparator.comparingLong(leak -> leak.path("id").asLong()));
        return leaks;
    }

    List<JsonNode> jdbcConnectFailures() {
        List<JsonNode> failures = new ArrayList<>();
        json.path("jdbcConnectFailures").forEach(failures::add);
        return failures;
    }

    /** Leaks whose JDBC connection was closed while the socket stayed open, after a failed login. */
    long abandonedAfterFailedLogin() {
        return leaks().stream()
                .map(leak -> leak.path("jdbc"))
                .filter(jdbc -> jdbc.path("connectionClosedAt").isTextual())
                .filter(jdbc -> jdbc.path("connectError").path("errorCode").asInt() == OrdersApp.LOGIN_FAILED)
                .count();
    }
}
