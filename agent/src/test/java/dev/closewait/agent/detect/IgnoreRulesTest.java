package dev.closewait.agent.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IgnoreRulesTest {

    private static final List<String> STACK = List.of("java.base/java.net.Socket.connect(Socket.java:633)",
            "com.acme.legacy.Billing.open(Billing.java:10)", "com.acme.App.main(App.java:3)");

    @Test
    void framePrefixAndRemoteGlobMatchAndCountTheirFindings(@TempDir Path dir) throws Exception {
        IgnoreRules rules = IgnoreRules.read(Files.writeString(dir.resolve("ignore"), String.join("\n",
                "# comment", "", "frame:com.acme.legacy.   # trailing comment", "remote:*:9092", "remote:10.0.0.?:5432",
                "frame:java.net.Socket.bind")));
        assertEquals(3, rules.match(STACK, "127.0.0.1:1433").line());
        assertEquals(4, rules.match(List.of(), "10.1.2.3:9092").line());
        assertEquals(5, rules.match(List.of(), "10.0.0.7:5432").line());
        assertNull(rules.match(List.of(), "10.0.0.17:5432"));
        assertNull(rules.match(List.of("com.acme.App.main(App.java:3)"), "[::1]:80"));
        assertEquals(List.of(6), rules.unmatched().stream().map(IgnoreRules.Rule::line).collect(java.util.stream.Collectors.toList()));
        assertEquals(1, rules.unmatched().size());
    }

    @Test
    void frameRulesIgnoreModulePrefixes(@TempDir Path dir) throws Exception {
        IgnoreRules rules = IgnoreRules.read(Files.writeString(dir.resolve("ignore"), "frame:java.net.Socket.connect\n"));
        assertEquals(1, rules.match(STACK, "x:1").line());
    }

    @Test
    void aLineThatIsNoRuleIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ignore"), "frame:ok.\nhost:db\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> IgnoreRules.read(file));
        assertTrue(bad.getMessage().contains("line 2: 'host:db' is not a rule"), bad.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> IgnoreRules.read(Files.writeString(dir.resolve("empty-rule"), "frame:\n")));
    }

    @Test
    void noRulesMatchNothing() {
        assertNull(IgnoreRules.none().match(STACK, "127.0.0.1:1"));
        assertSame(IgnoreRules.none(), IgnoreRules.none());
        assertTrue(IgnoreRules.none().unmatched().isEmpty());
    }
}
