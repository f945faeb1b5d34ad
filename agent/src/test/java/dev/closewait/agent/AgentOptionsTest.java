package dev.closewait.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {

    /** The options the agent implements today, in documentation order. */
    private static final List<String> OPTION_NAMES = List.of("interval", "grace", "report", "html", "log", "failOnLeak", "ignore", "app",
            "maxFindings");

    @Test
    void defaultsAreFiveSecondIntervalTenSecondGraceNoReportAndStderr() {
        AgentOptions options = AgentOptions.defaults();

        assertEquals(5_000, options.intervalMillis());
        assertEquals(10_000, options.graceMillis());
        assertNull(options.report());
        assertEquals("stderr", options.log());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "   \t "})
    void nullOrBlankTextMeansAllDefaults(String text) {
        AgentOptions options = AgentOptions.parse(text);

        assertEquals(5_000, options.intervalMillis());
        assertEquals(10_000, options.graceMillis());
        assertNull(options.report());
        assertEquals("stderr", options.log());
    }

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "250ms, 250",
            "1ms, 1",
            "2s, 2000",
            "1m, 60000",
            "90m, 5400000",
            "1h, 3600000",
            "250MS, 250",
            "2S, 2000",
            "1M, 60000",
            "1H, 3600000",
            "007s, 7000",
    })
    void parsesEveryDurationUnit(String value, long millis) {
        assertEquals(millis, Option.millis("option 'grace'", value));
        assertEquals(millis, AgentOptions.parse("grace=" + value).graceMillis());
        if (millis >= Option.MIN_INTERVAL_MILLIS) {
            assertEquals(millis, AgentOptions.parse("interval=" + value).intervalMillis());
        }
    }

    @Test
    void rejectsAnIntervalShorterThanAHundredMilliseconds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval=99ms"));
        assertMessageNamesValidOptions(e, "option 'interval' must be at least 100ms (got '99ms')");
        assertEquals(100, AgentOptions.parse("interval=100ms").intervalMillis());
    }

    @Test
    void optionsGivenLaterReplaceTheirsAndKeepTheRest() {
        AgentOptions running = AgentOptions.parse("interval=1s,report=/tmp/r.json,failOnLeak");
        AgentOptions changed = running.with(AgentOptions.parse("grace=30s"));
        assertEquals(1000, changed.intervalMillis());
        assertEquals(30_000, changed.graceMillis());
        assertEquals("/tmp/r.json", changed.report(), "a report not named keeps being written");
        assertTrue(changed.failOnLeak());
        assertEquals(5000, running.with(AgentOptions.parse("interval=5s")).intervalMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "5x", "-1s", "1.5s", "s", "ms", "5 s", "5sec", "1d", "+5s", "0x10s", "٥s"})
    void rejectsMalformedDurationsNamingKeyValueAndValidOptions(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("grace=" + value));

        assertMessageNamesValidOptions(e, "'grace'", "'" + value + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999s", "9223372036854775807ms", "9223372036854775807h",
            "3000000000000000h"})
    void rejectsDurationsTooLargeForMillis(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval=" + value));

        assertMessageNamesValidOptions(e, "'interval'", value, "too large");
    }

    @Test
    void acceptsDurationsUpToHalfOfLongMaxMillis() {
        long ceiling = Long.MAX_VALUE / 2;

        assertEquals(ceiling, AgentOptions.parse("grace=" + ceiling + "ms").graceMillis());
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("grace=" + (ceiling + 1) + "ms"));
        assertEquals(87_600_000L * 3_600_000L, AgentOptions.parse("grace=87600000h").graceMillis());
    }

    @Test
    void rejectsAnUnknownKeyNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval=1s,colour=blue"));

        assertMessageNamesValidOptions(e, "unknown option 'colour'");
    }

    @Test
    void keysAreCaseSensitive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("Interval=1s"));

        assertMessageNamesValidOptions(e, "'Interval'");
    }

    @Test
    void rejectsAKeyGivenTwice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval=1s,grace=2s,interval=3s"));

        assertMessageNamesValidOptions(e, "'interval'", "twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interval=1s,,grace=2s", "interval=1s,", ",interval=1s", ",", "interval=1s, ,grace=2s"})
    void rejectsEmptyItems(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text));

        assertMessageNamesValidOptions(e, "empty option");
    }

    @Test
    void rejectsABareKeyOfAnOptionThatNeedsAValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval"));

        assertMessageNamesValidOptions(e, "'interval'", "needs a value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"report=", "report= ", "log="})
    void rejectsAnEmptyValue(String text) {
        String key = text.substring(0, text.indexOf('='));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text));

        assertMessageNamesValidOptions(e, "'" + key + "'", "empty value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"=5s", "=", " = "})
    void rejectsAnEmptyKey(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text));

        assertMessageNamesValidOptions(e, "unknown option ''");
    }

    @Test
    void rejectsAZeroInterval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("interval=0ms"));

        assertMessageNamesValidOptions(e, "'interval'", "'0ms'");
    }

    @Test
    void acceptsAZeroGrace() {
        assertEquals(0, AgentOptions.parse("grace=0ms").graceMillis());
        assertEquals(0, AgentOptions.parse("grace=0s").graceMillis());
    }

    @Test
    void keepsEqualsSignsInsideAValue() {
        AgentOptions options = AgentOptions.parse("report=/tmp/a=b.json,log=/var/log/x=y=z.log");

        assertEquals("/tmp/a=b.json", options.report());
        assertEquals("/var/log/x=y=z.log", options.log());
    }

    @Test
    void trimsWhitespaceAroundItemsKeysAndValues() {
        AgentOptions options = AgentOptions.parse("  interval = 2s ,\tgrace=250ms , report= /tmp/leaks.json  ");

        assertEquals(2_000, options.intervalMillis());
        assertEquals(250, options.graceMillis());
        assertEquals("/tmp/leaks.json", options.report());
        assertEquals("stderr", options.log());
    }

    @Test
    void keepsValuesOfEveryOptionAndDefaultsTheRest() {
        AgentOptions options = AgentOptions.parse("log=off,report=leaks.json");

        assertEquals("off", options.log());
        assertEquals("leaks.json", options.report());
        assertEquals(5_000, options.intervalMillis());
        assertEquals(10_000, options.graceMillis());
    }

    @Test
    void listsOptionNamesInDocumentationOrder() {
        assertEquals(OPTION_NAMES, AgentOptions.names());
        String all = AgentOptions.describeAll();
        assertTrue(all.startsWith("interval=<duration> (default 5s"), all);
        assertTrue(all.contains("grace=<duration> (default 10s"), all);
        assertTrue(all.contains("report=<file> (default none"), all);
        assertTrue(all.contains("log=stderr|off|<file> (default stderr"), all);
    }

    @Test
    void describesTheEffectiveOptionsInTheLargestWholeUnit() {
        AgentOptions options = AgentOptions.parse("interval=2000ms,grace=1m");

        assertEquals("interval=2s, grace=1m, report=none, log=stderr", options.toString());
        assertEquals("interval=2s, grace=1m, report=/abs/r.json, log=/abs/l.log",
                options.describe("/abs/r.json", "/abs/l.log"));
        assertEquals("interval=1500ms, grace=0ms, report=none, log=stderr",
                AgentOptions.parse("interval=1500ms,grace=0s").toString());
        assertEquals("interval=2h, grace=10s, report=none, log=stderr",
                AgentOptions.parse("interval=120m").toString());
    }

    @Test
    void logsOffAndStderrAreTheseWordsInAnyCaseAndAFileOtherwise() {
        assertEquals(Option.LOG_OFF, AgentOptions.parse("log=OFF").log());
        assertEquals(Option.LOG_STDERR, AgentOptions.parse("log=Stderr").log());
        assertEquals("./OFF", AgentOptions.parse("log=./OFF").log());
        java.nio.file.Path base = java.nio.file.Paths.get("/home/ops");
        assertEquals("log=OFF", AgentOptions.parse("log=OFF").toArgument(base), "not a path to resolve");
        assertEquals("log=/home/ops/OFF", AgentOptions.parse("log=./OFF").toArgument(base).replace("/./", "/"));
    }

    @Test
    void rendersAnArgumentWithAbsolutePathsForAnotherJvm() {
        java.nio.file.Path base = java.nio.file.Paths.get("/home/ops");
        assertEquals("interval=2s,report=/home/ops/leaks.json,log=/home/ops/logs/cw.log",
                AgentOptions.parse("interval=2s,report=leaks.json,log=logs/cw.log").toArgument(base),
                "only what was given, so that a running agent keeps the rest");
        assertEquals("grace=60s,log=off", AgentOptions.parse("grace=60s,log=off").toArgument(base));
        assertEquals("report=/tmp/r.json", AgentOptions.parse("report=/tmp/r.json").toArgument(base));
        assertEquals("", AgentOptions.parse("").toArgument(base));
        assertEquals("report=\"/home/ops/a,b/r.json\"", AgentOptions.parse("report=\"a,b/r.json\"").toArgument(base),
                "a value holding a comma is quoted again");
        AgentOptions roundTrip = AgentOptions.parse(AgentOptions.parse("interval=250ms,grace=3s").toArgument(base));
        assertEquals(250, roundTrip.intervalMillis());
        assertEquals(3000, roundTrip.graceMillis());
    }

    @Test
    void failOnLeakIsASwitchAndIgnoreAFile() {
        assertTrue(AgentOptions.parse("failOnLeak").failOnLeak());
        assertTrue(AgentOptions.parse("failOnLeak=TRUE").failOnLeak());
        assertFalse(AgentOptions.parse("failOnLeak=false").failOnLeak());
        assertFalse(AgentOptions.defaults().failOnLeak());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("failOnLeak=yes"));
        assertTrue(bad.getMessage().contains("option 'failOnLeak' is true or false, not 'yes'"), bad.getMessage());
        assertEquals("known.txt", AgentOptions.parse("ignore=known.txt").ignore());
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("ignore"), "ignore needs a file");
        assertEquals("failOnLeak,ignore=/home/ops/known.txt",
                AgentOptions.parse("failOnLeak,ignore=known.txt").toArgument(java.nio.file.Paths.get("/home/ops")));
        assertEquals(3, AgentOptions.FAIL_ON_LEAK_STATUS);
    }

    @Test
    void htmlIsAFileAcceptingAPidAndAQuotedValueAndIsDescribedWhenGiven() {
        assertEquals(null, AgentOptions.defaults().html());
        assertEquals("/tmp/leaks-{pid}.html", AgentOptions.parse("html=/tmp/leaks-{pid}.html").html());
        AgentOptions quoted = AgentOptions.parse("report=/tmp/r.json,html=\"/tmp/a,b/page.html\",grace=1s");
        assertEquals("/tmp/a,b/page.html", quoted.html());
        assertEquals(1000, quoted.graceMillis());
        assertEquals("html=\"/home/ops/a,b/p.html\"",
                AgentOptions.parse("html=\"a,b/p.html\"").toArgument(java.nio.file.Paths.get("/home/ops")));
        IllegalArgumentException bare = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("html"));
        assertTrue(bare.getMessage().contains("option 'html' needs a value: html=<file>"), bare.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("html="));
        assertEquals("interval=5s, grace=10s, report=none, html=/tmp/p.html, log=stderr",
                AgentOptions.parse("html=/tmp/p.html").toString());
        assertEquals("interval=5s, grace=10s, report=none, log=stderr", AgentOptions.defaults().toString());
    }

    @Test
    void aQuotedValueMayHoldCommas() {
        AgentOptions options = AgentOptions.parse("report=\"/tmp/a,b/leaks.json\",grace=1s");
        assertEquals("/tmp/a,b/leaks.json", options.report());
        assertEquals(1000, options.graceMillis());
    }

    @Test
    void rejectsAnUnclosedQuoteOrAQuoteInsideAValue() {
        IllegalArgumentException unclosed = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("report=\"/tmp/a,grace=1s"));
        assertTrue(unclosed.getMessage().contains("is not closed"), unclosed.getMessage());
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("report=/tmp/a\"b\"c"));
        assertTrue(inside.getMessage().contains("option 'report' has a double quote inside its value"),
                inside.getMessage());
    }

    @Test
    void everyOptionIsDescribedFromTheRegistry() {
        for (Option option : Option.values()) {
            assertTrue(AgentOptions.describeAll().contains(option.key() + "=" + option.form() + " (default "
                    + option.defaultText() + ": " + option.meaning() + ")"), option::key);
        }
        assertEquals(Option.values().length, AgentOptions.names().size());
    }

    private static void assertMessageNamesValidOptions(IllegalArgumentException e, String... fragments) {
        String message = e.getMessage();
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "message should contain <" + fragment + ">: " + message);
        }
        int valid = message.indexOf("Valid options:");
        assertTrue(valid >= 0, "message should list the valid options: " + message);
        String list = message.substring(valid);
        for (String name : OPTION_NAMES) {
            assertTrue(list.contains(name + "="), "valid options should name '" + name + "': " + message);
        }
    }

    @Test
    void textOptionsCarryGraceAndAppAndParseBackToThem() {
        AgentOptions options = AgentOptions.parse("interval=1s,grace=1500ms,app=com.acme.;org.shop.,log=off");

        assertEquals("grace=1500ms,app=com.acme.;org.shop.", options.textOptions());
        AgentOptions back = AgentOptions.parse(options.textOptions());
        assertEquals(1500, back.graceMillis());
        assertEquals(List.of("com.acme.", "org.shop."), back.app());
        assertEquals("grace=10s", AgentOptions.defaults().textOptions());
    }
}
