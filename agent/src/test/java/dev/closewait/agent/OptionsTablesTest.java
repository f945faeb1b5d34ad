package dev.closewait.agent;

import dev.closewait.agent.report.TextReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The options tables of the README and docs/options.md list what {@link Option} defines, in its order,
 * and the error docs/options.md quotes for an unknown option is the one the agent gives.
 */
class OptionsTablesTest {

    /** Rows of the first {@code | option | default | meaning |} table of {@code file}, as "name default". */
    private static List<String> rows(Path file) throws IOException {
        List<String> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("| option | default | meaning |")) {
                inTable = true;
            } else if (inTable && line.startsWith("|---")) {
                continue;
            } else if (inTable && line.startsWith("| ")) {
                String[] cells = line.split("\\|");
                rows.add(cells[1].trim().replace("`", "") + " " + cells[2].trim().replace("`", ""));
            } else if (inTable) {
                break;
            }
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"../README.md", "../docs/options.md"})
    void listsEveryOptionWithItsDefaultInTheRegistrysOrder(String doc) throws IOException {
        List<String> expected = new ArrayList<>();
        for (Option option : Option.values()) {
            expected.add(option.key() + " " + option.defaultText());
        }
        List<String> documented = rows(Path.of(doc));
        assertFalse(documented.isEmpty(), doc + " has no options table");
        assertEquals(expected, documented, doc);
    }

    @Test
    void theErrorQuotedForAnUnknownOptionIsTheAgentsOwn() throws IOException {
        String quotedPrefix = TextReport.PREFIX + "invalid agent options: unknown option 'intervl'";
        List<String> quoted = Files.readAllLines(Path.of("../docs/options.md")).stream()
                .filter(line -> line.startsWith(quotedPrefix)).collect(java.util.stream.Collectors.toList());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("intervl=5s"));

        assertEquals(List.of(TextReport.PREFIX + "invalid agent options: " + refused.getMessage()), quoted);
    }
}
