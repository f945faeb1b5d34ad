package dev.closewait.agent.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.DisallowUnknownKeywordFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

/** The documented schema of the JSON report, {@code docs/report-v1.schema.json}, strict: unknown keywords are errors. */
final class ReportSchema {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final JsonNode node;
    private final JsonSchema schema;

    private ReportSchema() {
        try {
            node = MAPPER.readTree(file().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Unknown keywords are errors: a misspelt keyword would otherwise be silently ignored.
        JsonMetaSchema strict = JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
                .build();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.metaSchema(strict));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        schema = factory.getSchema(node, config);
    }

    static ReportSchema load() {
        return new ReportSchema();
    }

    /** The schema's own JSON. */
    JsonNode node() {
        return node;
    }

    /** What is wrong with {@code json}; empty when it satisfies the schema. */
    Set<ValidationMessage> validate(String json) {
        try {
            return schema.validate(MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Set<ValidationMessage> validate(JsonNode json) {
        return schema.validate(json);
    }

    private static Path file() {
        // Surefire runs in the agent module; the schema is documentation at the repository root.
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("docs/report-v1.schema.json");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("docs/report-v1.schema.json not found above " + Paths.get("").toAbsolutePath());
    }
}
