package dev.closewait.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A set of agent options: {@code key=value} pairs separated by commas after
 * {@code -javaagent:closewait-agent.jar=}; a bare key means {@code true}, and a value that must hold
 * a comma is written in double quotes ({@code report="/tmp/a,b/leaks.json"}). What the options are
 * is {@link Option}'s to say; this class parses a string of them and keeps which were given.
 */
public final class AgentOptions {

    /**
     * The exit status of a run that leaked under {@link Option#FAIL_ON_LEAK}: distinct from 1 (a
     * generic failure) and 2 (bad usage, and this agent's bad options). An application's own
     * non-zero status is kept.
     */
    public static final int FAIL_ON_LEAK_STATUS = 3;

    /** The values given, as written (unquoted); options not given take their defaults. */
    private final Map<Option, String> given;
    /** Every option's parsed value, defaults included. */
    private final Map<Option, Object> values;

    private AgentOptions(Map<Option, String> given) {
        this.given = Collections.unmodifiableMap(new EnumMap<>(given));
        Map<Option, Object> parsed = new EnumMap<>(Option.class);
        for (Option option : Option.values()) {
            String value = given.containsKey(option) ? given.get(option) : option.defaultValue();
            parsed.put(option, value == null ? null : option.parse(value));
        }
        this.values = parsed;
    }

    /** The defaults. */
    public static AgentOptions defaults() {
        return new AgentOptions(new EnumMap<>(Option.class));
    }

    /**
     * Parses an option string; {@code null} or blank means all defaults.
     *
     * @throws IllegalArgumentException naming the bad key or value and listing the valid options
     */
    public static AgentOptions parse(String text) {
        Map<Option, String> given = new EnumMap<>(Option.class);
        if (text != null && !text.trim().isEmpty()) {
            for (String item : split(text)) {
                int eq = item.indexOf('=');
                String key = (eq < 0 ? item : item.substring(0, eq)).trim();
                Option option = Option.named(key);
                if (option == null) {
                    throw invalid("unknown option '" + key + "'");
                }
                if (given.containsKey(option)) {
                    throw invalid("option '" + key + "' is given twice");
                }
                String value = eq < 0 ? null : unquote(key, item.substring(eq + 1).trim());
                if (value == null && option.isSwitch()) {
                    value = "true";
                }
                if (value == null) {
                    throw invalid("option '" + key + "' needs a value: " + key + "=" + option.form());
                }
                if (value.isEmpty()) {
                    throw invalid("option '" + key + "' has an empty value; expected " + key + "=" + option.form());
                }
                given.put(option, value);
            }
        }
        try {
            return new AgentOptions(given);
        } catch (IllegalArgumentException badValue) {
            throw invalid(badValue.getMessage());
        }
    }

    /** The items of an option string: split at commas outside double quotes, trimmed, none empty. */
    private static List<String> split(String text) {
        List<String> items = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted || i == text.length()) {
                if (item.toString().trim().isEmpty()) {
                    throw invalid("empty option in '" + text + "' (options are separated by single commas)");
                }
                items.add(item.toString().trim());
                item.setLength(0);
            } else {
                item.append(c);
            }
        }
        if (quoted) {
            throw invalid("a double quote in '" + text + "' is not closed");
        }
        return items;
    }

    /** {@code "a,b"} -> {@code a,b}; a value without quotes as it is. */
    private static String unquote(String key, String value) {
        if (value.indexOf('"') < 0) {
            return value;
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                && value.indexOf('"', 1) == value.length() - 1) {
            return value.substring(1, value.length() - 1);
        }
        throw invalid("option '" + key + "' has a double quote inside its value; quote the whole value:"
                + " " + key + "=\"...\"");
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException(problem + ". Valid options: " + describeAll());
    }

    /** {@code interval=<duration> (default 5s: how often ...), grace=...}: for error messages and help. */
    public static String describeAll() {
        List<String> parts = new ArrayList<>();
        for (Option option : Option.values()) {
            parts.add(option.key() + "=" + option.form() + " (default " + option.defaultText() + ": "
                    + option.meaning() + ")");
        }
        return String.join(", ", parts);
    }

    /** Option names, in documentation order. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Option option : Option.values()) {
            names.add(option.key());
        }
        return names;
    }

    /**
     * These options with {@code changes} applied: the options {@code changes} gives take its
     * values, every other keeps this one's. How a running agent is reconfigured.
     */
    public AgentOptions with(AgentOptions changes) {
        Map<Option, String> merged = new EnumMap<>(Option.class);
        merged.putAll(given);
        merged.putAll(changes.given);
        return new AgentOptions(merged);
    }

    /** Whether {@code option} was given, rather than left at its default. */
    public boolean isGiven(Option option) {
        return given.containsKey(option);
    }

    public long intervalMillis() {
        return (Long) values.get(Option.INTERVAL);
    }

    public long graceMillis() {
        return (Long) values.get(Option.GRACE);
    }

    /** The report path as given, or {@code null} for no report file. */
    public String report() {
        return (String) values.get(Option.REPORT);
    }

    /** The HTML page path as given, or {@code null} for no page. */
    public String html() {
        return (String) values.get(Option.HTML);
    }

    /** {@link Option#LOG_STDERR}, {@link Option#LOG_OFF} or a file path. */
    public String log() {
        return (String) values.get(Option.LOG);
    }

    /** Whether a run with findings must end with {@link #FAIL_ON_LEAK_STATUS}. */
    public boolean failOnLeak() {
        return (Boolean) values.get(Option.FAIL_ON_LEAK);
    }

    /** The application's package prefixes of option {@code app}; empty when not given. */
    @SuppressWarnings("unchecked")
    public java.util.List<String> app() {
        Object prefixes = values.get(Option.APP);
        return prefixes == null ? java.util.List.of() : (java.util.List<String>) prefixes;
    }

    /** Findings listed at most. */
    public int maxFindings() {
        return (Integer) values.get(Option.MAX_FINDINGS);
    }

    /** The ignore file as given, or {@code null}. */
    public String ignore() {
        return (String) values.get(Option.IGNORE);
    }

    /**
     * These options as an option string, paths made absolute against {@code base}: what the CLI
     * passes to a JVM whose working directory is not the user's. Only options that were given.
     */
    public String toArgument(Path base) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Option, String> entry : given.entrySet()) {
            Option option = entry.getKey();
            String value = entry.getValue();
            boolean path = option.takesPath() && !(option == Option.LOG
                    && (Option.LOG_STDERR.equals(values.get(option)) || Option.LOG_OFF.equals(values.get(option))));
            if (option.isSwitch() && Boolean.TRUE.equals(values.get(option))) {
                parts.add(option.key());
            } else {
                parts.add(option.key() + "=" + quoteIfNeeded(path ? base.resolve(value).toAbsolutePath().toString() : value));
            }
        }
        return String.join(",", parts);
    }

    /**
     * The options that shape the text report ({@code grace} for its sentences, {@code app} for its
     * {@code =>} marks) as an option string: what travels with the live report, so the CLI renders
     * the text the agent would.
     */
    public String textOptions() {
        return Option.GRACE.key() + "=" + Option.formatMillis(graceMillis())
                + (app().isEmpty() ? "" : "," + Option.APP.key() + "=" + String.join(";", app()));
    }

    private static String quoteIfNeeded(String value) {
        return value.indexOf(',') >= 0 ? '"' + value + '"' : value;
    }

    /** The effective options, as printed once at start-up, with the resolved report and log targets. */
    public String describe(String reportTarget, String logTarget) {
        return describe(reportTarget, html(), logTarget);
    }

    /** {@link #describe(String, String)}, with the resolved HTML page ({@code null}: none). */
    public String describe(String reportTarget, String htmlTarget, String logTarget) {
        return Option.INTERVAL.key() + "=" + Option.formatMillis(intervalMillis())
                + ", " + Option.GRACE.key() + "=" + Option.formatMillis(graceMillis())
                + ", " + Option.REPORT.key() + "=" + (reportTarget == null ? "none" : reportTarget)
                + (htmlTarget == null ? "" : ", " + Option.HTML.key() + "=" + htmlTarget)
                + ", " + Option.LOG.key() + "=" + logTarget
                + (failOnLeak() ? ", " + Option.FAIL_ON_LEAK.key() : "")
                + (ignore() == null ? "" : ", " + Option.IGNORE.key() + "=" + ignore())
                + (isGiven(Option.MAX_FINDINGS) ? ", " + Option.MAX_FINDINGS.key() + "=" + maxFindings() : "")
                + (app().isEmpty() ? "" : ", " + Option.APP.key() + "=" + String.join(";", app()));
    }

    @Override
    public String toString() {
        return describe(report(), log());
    }
}
