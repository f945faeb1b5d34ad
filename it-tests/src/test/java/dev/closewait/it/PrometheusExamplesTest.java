package dev.closewait.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.closewait.agent.live.LeakDetectorMBean;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples of {@code docs/prometheus/}: the exporter's rules cover every attribute of the MBean
 * (but {@code Options}), and the alerts are Prometheus rule groups that only use metrics the rules
 * make. {@link PrometheusExporterEndToEndTest} runs the rules in the real exporter.
 */
class PrometheusExamplesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern METRIC = Pattern.compile("\\bclosewait_[a-z_]+");
    private static final Set<String> TYPES = Set.of("GAUGE", "COUNTER");
    /** Strings the exporter cannot turn into a number but a label; {@code Version} is one, as closewait_info. */
    private static final Set<String> NOT_EXPORTED = Set.of("Options");

    static Path docs() {
        return Path.of(System.getProperty("closewait.prometheus.docs", "../docs/prometheus")).toAbsolutePath();
    }

    static JsonNode read(String file) throws IOException {
        Path path = docs().resolve(file);
        assertTrue(Files.isRegularFile(path), path + " exists");
        return YAML.readTree(path.toFile());
    }

    @Test
    void rulesReadOnlyTheLeakDetectorAndNameEachAttributeOnce() throws Exception {
        JsonNode config = read("closewait-rules.yml");
        assertEquals(List.of("dev.closewait:type=LeakDetector"), texts(config.path("includeObjectNames")));
        Set<String> covered = new TreeSet<>();
        for (JsonNode rule : config.path("rules")) {
            String pattern = rule.path("pattern").asText();
            Matcher attribute = Pattern.compile("^dev\\.closewait<type=LeakDetector><>(\\w+): ").matcher(pattern);
            assertTrue(attribute.find(), "each rule names one attribute of the MBean: " + pattern);
            assertTrue(covered.add(attribute.group(1)), "one rule per attribute: " + attribute.group(1));
            String name = rule.path("name").asText();
            assertTrue(name.matches("closewait_[a-z_]+"), "a closewait_ name: " + name);
            String type = rule.path("type").asText();
            assertTrue(TYPES.contains(type), name + " has a type of " + TYPES);
            assertEquals(type.equals("COUNTER"), name.endsWith("_total"), name + ": _total for counters, and only them");
            assertFalse(rule.path("help").asText().isBlank(), name + " has a help text");
            rule.path("labels").fieldNames().forEachRemaining(label ->
                    assertTrue(Set.of("status", "version").contains(label), name + ": no per-remote label: " + label));
        }
        Set<String> attributes = new TreeSet<>();
        for (Method getter : LeakDetectorMBean.class.getMethods()) {
            if (getter.getName().startsWith("get") && getter.getParameterCount() == 0) {
                attributes.add(getter.getName().substring(3));
            }
        }
        attributes.removeAll(NOT_EXPORTED);
        assertEquals(attributes, covered, "every attribute of LeakDetectorMBean has its rule (docs/prometheus.md names them)");
    }

    @Test
    void alertsAreRuleGroupsOverTheMetricsTheRulesMake() throws Exception {
        Set<String> made = new TreeSet<>();
        for (JsonNode rule : read("closewait-rules.yml").path("rules")) {
            made.add(rule.path("name").asText());
        }
        made.add("process_open_fds");
        made.add("process_max_fds");
        JsonNode alerts = read("closewait-alerts.yml");
        assertTrue(alerts.path("groups").isArray() && alerts.path("groups").size() > 0, "a list of groups");
        List<String> names = new ArrayList<>();
        for (JsonNode group : alerts.path("groups")) {
            assertFalse(group.path("name").asText().isBlank(), "each group is named");
            for (JsonNode alert : group.path("rules")) {
                String name = alert.path("alert").asText();
                assertTrue(name.matches("[A-Z][A-Za-z0-9]+"), "an alert name in CamelCase: " + name);
                names.add(name);
                String expr = alert.path("expr").asText();
                assertFalse(expr.isBlank(), name + " has an expression");
                Matcher metric = METRIC.matcher(expr);
                while (metric.find()) {
                    assertTrue(made.contains(metric.group()), name + " uses " + metric.group() + ", which the rules make");
                }
                assertTrue(expr.contains("closewait_"), name + " is about closewait's metrics");
                assertTrue(alert.path("for").asText().matches("\\d+[smh]"), name + " has a duration in 'for'");
                assertTrue(Set.of("warning", "critical", "info").contains(alert.path("labels").path("severity").asText()),
                        name + " has a severity");
                assertFalse(alert.path("annotations").path("summary").asText().isBlank(), name + " has a summary");
                assertFalse(alert.path("annotations").path("description").asText().isBlank(), name + " has a description");
            }
        }
        assertEquals(names.size(), new TreeSet<>(names).size(), "alert names are unique: " + names);
        assertTrue(names.contains("CloseWaitLeaks") && names.contains("CloseWaitPortPressure"), names::toString);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
