package dev.closewait.maven;

import dev.closewait.agent.Option;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One source for what the docs say of the plugin: the goals and parameter tables of README.md and
 * docs/ci.md are the plugin descriptor's (generated from the mojos' annotations), prepare-agent has a
 * parameter for every agent option, and the consumer projects of src/it are the recipe of docs/ci.md.
 */
class DocsTest {

    private static final Path README = Paths.get("../README.md");
    private static final Path CI = Paths.get("../docs/ci.md");
    private static final Path CONSUMERS = Paths.get("src/it");

    /** A parameter as the descriptor has it: user property (or null) and default value (or null). */
    private record Parameter(String property, String defaultValue) {
    }

    /** The plugin descriptor that maven-plugin-plugin generated into target/classes. */
    private static Document descriptor() throws Exception {
        try (InputStream in = DocsTest.class.getResourceAsStream("/META-INF/maven/plugin.xml")) {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
    }

    private static String version() throws Exception {
        return childText(descriptor().getDocumentElement(), "version");
    }

    /** Goal -> phase. */
    private static Map<String, String> goals() throws Exception {
        Map<String, String> goals = new TreeMap<>();
        for (Element mojo : elements(descriptor().getElementsByTagName("mojo"))) {
            goals.put(childText(mojo, "goal"), childText(mojo, "phase"));
        }
        return goals;
    }

    /** The parameters a user may set on {@code goal}, by name. */
    private static Map<String, Parameter> parameters(String goal) throws Exception {
        for (Element mojo : elements(descriptor().getElementsByTagName("mojo"))) {
            if (!goal.equals(childText(mojo, "goal"))) {
                continue;
            }
            Map<String, Parameter> parameters = new TreeMap<>();
            Element configuration = (Element) mojo.getElementsByTagName("configuration").item(0);
            for (Element parameter : elements(mojo.getElementsByTagName("parameter"))) {
                if (!"true".equals(childText(parameter, "editable"))) {
                    continue;
                }
                String name = childText(parameter, "name");
                Element value = (Element) configuration.getElementsByTagName(name).item(0);
                String expression = value == null ? "" : value.getTextContent();
                String property = expression.startsWith("${") ? expression.substring(2, expression.length() - 1) : null;
                String defaultValue = value == null || !value.hasAttribute("default-value") ? null
                        : value.getAttribute("default-value");
                parameters.put(name, new Parameter(property, defaultValue));
            }
            return parameters;
        }
        throw new AssertionError("no goal " + goal);
    }

    @Test
    void theGoalsTablesOfTheReadmeAndOfCiMdAreThePlugins() throws Exception {
        for (Path doc : List.of(README, CI)) {
            Map<String, String> documented = new TreeMap<>();
            for (List<String> row : table(doc, "| goal | default phase | what |")) {
                documented.put(code(row.get(0)), code(row.get(1)));
            }
            assertEquals(goals(), documented, doc.toString());
        }
    }

    @Test
    void theParameterTablesAreThePluginsWithTheirUserPropertiesAndDefaults() throws Exception {
        for (String goal : List.of("prepare-agent", "check")) {
            Map<String, Parameter> parameters = parameters(goal);
            List<List<String>> rows = table(CI, "### Parameters of `" + goal + "`");
            Map<String, List<String>> documented = new LinkedHashMap<>();
            rows.forEach(row -> documented.put(code(row.get(0)), row));
            assertEquals(parameters.keySet(), new java.util.TreeSet<>(documented.keySet()), goal);
            for (Map.Entry<String, Parameter> parameter : parameters.entrySet()) {
                List<String> row = documented.get(parameter.getKey());
                assertEquals(parameter.getValue().property(), code(row.get(1)), goal + " " + row);
                assertEquals(expectedDefault(parameter.getKey(), parameter.getValue()), code(row.get(2)), goal + " " + row);
            }
        }
    }

    /** The default a table shows: the descriptor's, else the one the code applies, else the agent's. */
    private static String expectedDefault(String name, Parameter parameter) {
        if (parameter.defaultValue() != null) {
            return parameter.defaultValue();
        }
        if (name.equals(Option.LOG.key())) {
            return PrepareAgentMojo.DEFAULT_LOG;
        }
        Option option = Option.named(name);
        return option == null ? null : option.defaultValue();
    }

    @Test
    void everyAgentOptionButTheReportIsAPrepareAgentParameterWithItsUserProperty() throws Exception {
        Map<String, Parameter> parameters = parameters("prepare-agent");
        for (Option option : Option.values()) {
            if (option == Option.REPORT) {
                assertFalse(parameters.containsKey(option.key()), "the report is the plugin's: one per JVM in reportDirectory");
                continue;
            }
            Parameter parameter = parameters.get(option.key());
            assertTrue(parameter != null, "prepare-agent has no parameter for the agent option " + option.key());
            assertEquals("closewait." + option.key(), parameter.property());
        }
    }

    @Test
    void theCleanConsumerBuildIsTheRecipeOfTheDocsWordForWord() throws Exception {
        String recipe = xmlBlocks(CI).stream().filter(block -> block.startsWith("<?xml")).findFirst().orElseThrow();
        String consumer = Files.readString(CONSUMERS.resolve("clean-tests-pass/pom.xml")).replace("@project.version@", version());
        assertEquals(recipe, consumer.stripTrailing());
    }

    @Test
    void everyConsumerBuildHoldsThePluginBlockOfTheRecipe() throws Exception {
        String recipe = xmlBlocks(CI).stream().filter(block -> block.startsWith("<?xml")).findFirst().orElseThrow();
        String plugin = recipe.substring(recipe.lastIndexOf("<plugin>", recipe.indexOf("<groupId>dev.closewait</groupId>")),
                recipe.indexOf("</plugin>", recipe.indexOf("<groupId>dev.closewait</groupId>")) + "</plugin>".length());
        List<Path> poms;
        try (Stream<Path> projects = Files.list(CONSUMERS)) {
            poms = projects.map(project -> project.resolve("pom.xml")).filter(Files::exists).sorted().collect(Collectors.toList());
        }
        assertTrue(poms.size() >= 6, poms.toString());
        for (Path pom : poms) {
            assertContainsLines(pom, plugin);
        }
    }

    @Test
    void theJacocoAndFailsafeConsumersHoldTheDocsBlocks() throws Exception {
        List<String> blocks = xmlBlocks(CI);
        String jacoco = blocks.stream().filter(block -> block.contains("jacoco-maven-plugin")).findFirst().orElseThrow();
        String failsafe = blocks.stream().filter(block -> block.startsWith("<plugin>") && block.contains("maven-failsafe-plugin"))
                .findFirst().orElseThrow();
        assertContainsLines(CONSUMERS.resolve("jacoco-before/pom.xml"), jacoco);
        assertContainsLines(CONSUMERS.resolve("jacoco-after/pom.xml"), jacoco);
        assertContainsLines(CONSUMERS.resolve("leaks-across-forks/pom.xml"), failsafe);
    }

    /** {@code pom} holds the lines of {@code block} one after the other, indentation aside. */
    private static void assertContainsLines(Path pom, String block) throws IOException {
        String lines = Files.readAllLines(pom).stream().map(String::strip).collect(Collectors.joining("\n"))
                .replace("@project.version@", versionOrEmpty());
        String wanted = block.lines().map(String::strip).collect(Collectors.joining("\n"));
        assertTrue(lines.contains(wanted), pom + " does not hold, as docs/ci.md shows it:\n" + wanted);
    }

    private static String versionOrEmpty() {
        try {
            return version();
        } catch (Exception unreadable) {
            throw new IllegalStateException(unreadable);
        }
    }

    /** The ```xml blocks of a Markdown file, their common indentation removed. */
    private static List<String> xmlBlocks(Path doc) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        String indent = "";
        for (String line : Files.readAllLines(doc)) {
            if (block == null && line.strip().equals("```xml")) {
                block = new StringBuilder();
                indent = line.substring(0, line.indexOf('`'));
            } else if (block != null && line.strip().equals("```")) {
                blocks.add(block.toString().stripTrailing());
                block = null;
            } else if (block != null) {
                block.append(line.startsWith(indent) ? line.substring(indent.length()) : line).append('\n');
            }
        }
        return blocks;
    }

    /** The rows of the first table after the line {@code marker} (a heading, or the table's own header). */
    private static List<List<String>> table(Path doc, String marker) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        int start = lines.indexOf(marker);
        assertTrue(start >= 0, doc + " has no line " + marker);
        while (!lines.get(start).startsWith("|")) {
            start++;
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = new ArrayList<>();
            for (String cell : lines.get(i).substring(1, lines.get(i).length() - 1).split("\\|")) {
                cells.add(cell.strip());
            }
            rows.add(cells);
        }
        return rows;
    }

    /** The first code span of a cell (`argLine`), or null for "none". */
    private static String code(String cell) {
        int start = cell.indexOf('`');
        return start < 0 ? null : cell.substring(start + 1, cell.indexOf('`', start + 1));
    }

    private static String childText(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element && ((Element) children.item(i)).getTagName().equals(name)) {
                return children.item(i).getTextContent();
            }
        }
        return null;
    }

    private static List<Element> elements(NodeList nodes) {
        List<Element> elements = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        return elements;
    }
}
