package dev.closewait.agent.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        assertTrue(bad.getMessage().contains("line 2 is not a rule; write frame:"), bad.getMessage());
        assertTrue(!bad.getMessage().contains("host:db"), "a message never quotes the file: " + bad.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> IgnoreRules.read(Files.writeString(dir.resolve("empty-rule"), "frame:\n")));
    }

    @Test
    void noRulesMatchNothing() {
        assertNull(IgnoreRules.none().match(STACK, "127.0.0.1:1"));
        assertTrue(IgnoreRules.none().unmatched().isEmpty());
    }

    @Test
    void aByteOrderMarkIsSkippedAndALineThatIsNotUtf8IsNamed(@TempDir Path dir) throws Exception {
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
        Path withBom = dir.resolve("bom");
        Files.write(withBom, concat(bom, "frame:com.acme.\r\nremote:*:9092\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        IgnoreRules rules = IgnoreRules.read(withBom);
        assertEquals(1, rules.match(STACK, "x:1").line(), "the BOM is not part of the first rule");
        assertEquals(2, rules.match(List.of(), "10.0.0.1:9092").line(), "CRLF line ends");

        Path latin1 = dir.resolve("latin1");
        Files.write(latin1, concat("frame:ok.\n# caf".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xe9, '\n'}));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> IgnoreRules.read(latin1));
        assertTrue(bad.getMessage().endsWith("line 2 is not UTF-8 text; save the file as UTF-8"), bad.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
