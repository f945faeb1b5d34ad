package dev.closewait.agent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's options: {@code key=value} pairs separated by commas after
 * {@code -javaagent:closewait-agent.jar=}; a bare key means {@code true}. Every option name and
 * default is a constant here, and the README's options table mirrors {@link #describeAll()}.
 */
public final class AgentOptions {

    /** How often the TCP table is scanned. */
    public static final String INTERVAL = "interval";
    /** How long a socket may sit in CLOSE_WAIT before it is a leak. */
    public static final String GRACE = "grace";
    /** JSON report file, rewritten atomically when findings change and at exit. */
    public static final String REPORT = "report";
    /** Where human-readable findings go: {@code stderr}, a file path, or {@code off}. */
    public static final String LOG = "log";
    /** At exit, if the run had any finding, print the report and make the exit status {@link #FAIL_ON_LEAK_STATUS}. */
    public static final String FAIL_ON_LEAK = "failOnLeak";
    /** A file of known leaks to leave out: {@code frame:<prefix>} and {@code remote:<glob>} lines. */
    public static final String IGNORE = "ignore";

    /**
     * The exit status of a run that leaked under {@link #FAIL_ON_LEAK}: distinct from 1 (a generic
     * failure) and 2 (bad usage, and this agent's bad options). An application's own non-zero
     * status is kept.
     */
    public static final int FAIL_ON_LEAK_STATUS = 3;

    /** Default of {@link #INTERVAL}. */
    public static final String DEFAULT_INTERVAL = "5s";
    /** Default of {@link #GRACE}. */
    public static final String DEFAULT_GRACE = "10s";
    /** Default of {@link #LOG}. */
    public static final String DEFAULT_LOG = "stderr";
    /** Value of {@link #LOG} for standard error. */
    public static final String LOG_STDERR = "stderr";
    /** Value of {@link #LOG} that turns the text output off. */
    public static final String LOG_OFF = "off";

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Name, value form and meaning of every option, in the order the README lists them. */
    private static final Map<String, String[]> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put(INTERVAL, new String[] {"<duration>", DEFAULT_INTERVAL, "how often the TCP table is scanned"});
        KNOWN.put(GRACE, new String[] {"<duration>", DEFAULT_GRACE,
                "how long a socket may sit in CLOSE_WAIT before it is a leak"});
        KNOWN.put(REPORT, new String[] {"<file>", "none",
                "JSON report file, rewritten atomically when findings change and at exit"});
        KNOWN.put(LOG, new String[] {"stderr|off|<file>", DEFAULT_LOG, "where human-readable findings go"});
        KNOWN.put(FAIL_ON_LEAK, new String[] {"[true|false]", "false",
                "at exit, if the run had any finding, print the report and exit with status " + FAIL_ON_LEAK_STATUS});
        KNOWN.put(IGNORE, new String[] {"<file>", "none", "known leaks to leave out, one frame:<prefix> or"
                + " remote:<glob> per line"});
    }

    /** Options that are switches: a bare key means {@code true}. */
    private static final java.util.Set<String> SWITCHES = java.util.Set.of(FAIL_ON_LEAK);

    private final long intervalMillis;
    private final long graceMillis;
    private final String report;
    private final String log;
    private final boolean failOnLeak;
    private final String ignore;

    private AgentOptions(long intervalMillis, long graceMillis, String report, String log, boolean failOnLeak,
                         String ignore) {
        this.intervalMillis = intervalMillis;
        this.graceMillis = graceMillis;
        this.report = report;
        this.log = log;
        this.failOnLeak = failOnLeak;
        this.ignore = ignore;
    }

    /** The defaults. */
    public static AgentOptions defaults() {
        return parse(null);
    }

    /**
     * Parses an option string; {@code null} or blank means all defaults.
     *
     * @throws IllegalArgumentException naming the bad key or value and listing the valid options
     */
    public static AgentOptions parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        if (text != null && !text.trim().isEmpty()) {
            for (String part : text.split(",", -1)) {
                String item = part.trim();
                if (item.isEmpty()) {
                    throw invalid("empty option in '" + text + "' (options are separated by single commas)");
                }
                int eq = item.indexOf('=');
                String key = (eq < 0 ? item : item.substring(0, eq)).trim();
                String value = eq < 0 ? null : item.substring(eq + 1).trim();
                if (!KNOWN.containsKey(key)) {
                    throw invalid("unknown option '" + key + "'");
                }
                if (values.containsKey(key)) {
                    throw invalid("option '" + key + "' is given twice");
                }
                if (value == null && SWITCHES.contains(key)) {
                    value = "true";
                }
                if (value == null) {
                    throw invalid("option '" + key + "' needs a value: " + key + "=" + KNOWN.get(key)[0]);
                }
                if (value.isEmpty()) {
                    throw invalid("option '" + key + "' has an empty value; expected " + key + "=" + KNOWN.get(key)[0]);
                }
                values.put(key, value);
            }
        }
        long interval = duration(INTERVAL, values.getOrDefault(INTERVAL, DEFAULT_INTERVAL));
        if (interval <= 0) {
            throw invalid("option 'interval' must be longer than 0 (got '" + values.get(INTERVAL) + "')");
        }
        long grace = duration(GRACE, values.getOrDefault(GRACE, DEFAULT_GRACE));
        boolean failOnLeak = switchValue(FAIL_ON_LEAK, values.getOrDefault(FAIL_ON_LEAK, "false"));
        return new AgentOptions(interval, grace, values.get(REPORT), values.getOrDefault(LOG, DEFAULT_LOG), failOnLeak,
                values.get(IGNORE));
    }

    private static boolean switchValue(String key, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw invalid("option '" + key + "' is true or false, not '" + value + "' (a bare '" + key + "' means true)");
    }

    /** Parses {@code 250ms}, {@code 2s}, {@code 1m} or {@code 1h} into millis. */
    static long duration(String key, String value) {
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw invalid("option '" + key + "' has a malformed duration '" + value
                    + "'; write a whole number and a unit: 250ms, 2s, 1m or 1h");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException tooLong) {
            throw invalid("option '" + key + "' has a duration too large: '" + value + "'");
        }
        long unit;
        switch (m.group(2)) {
            case "ms": unit = 1; break;
            case "s": unit = 1000; break;
            case "m": unit = 60_000; break;
            default: unit = 3_600_000; break;
        }
        if (amount > Long.MAX_VALUE / unit / 2) {
            throw invalid("option '" + key + "' has a duration too large: '" + value + "'");
        }
        return amount * unit;
    }

    /** Millis in the largest unit that divides them evenly: {@code 5s}, {@code 250ms}, {@code 2m}. */
    static String formatDuration(long millis) {
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis != 0 && millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException(problem + ". Valid options: " + describeAll());
    }

    /** {@code interval=<duration> (default 5s), grace=...}: for error messages and help. */
    public static String describeAll() {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, String[]> option : KNOWN.entrySet()) {
            String[] d = option.getValue();
            parts.add(option.getKey() + "=" + d[0] + " (default " + d[1] + ": " + d[2] + ")");
        }
        return String.join(", ", parts);
    }

    /** Option names, in documentation order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(KNOWN.keySet()));
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    public long graceMillis() {
        return graceMillis;
    }

    /** The report path as given, or {@code null} for no report file. */
    public String report() {
        return report;
    }

    /** {@link #LOG_STDERR}, {@link #LOG_OFF} or a file path. */
    public String log() {
        return log;
    }

    /** Whether a run with findings must end with {@link #FAIL_ON_LEAK_STATUS}. */
    public boolean failOnLeak() {
        return failOnLeak;
    }

    /** The ignore file as given, or {@code null}. */
    public String ignore() {
        return ignore;
    }

    /**
     * These options as an option string, with the report and log paths made absolute against
     * {@code base}: what the CLI passes to a JVM whose working directory is not the user's.
     */
    public String toArgument(java.nio.file.Path base) {
        StringBuilder text = new StringBuilder();
        text.append(INTERVAL).append('=').append(formatDuration(intervalMillis))
                .append(',').append(GRACE).append('=').append(formatDuration(graceMillis));
        if (report != null) {
            text.append(',').append(REPORT).append('=').append(base.resolve(report).toAbsolutePath());
        }
        text.append(',').append(LOG).append('=').append(LOG_STDERR.equals(log) || LOG_OFF.equals(log)
                ? log : base.resolve(log).toAbsolutePath().toString());
        if (failOnLeak) {
            text.append(',').append(FAIL_ON_LEAK);
        }
        if (ignore != null) {
            text.append(',').append(IGNORE).append('=').append(base.resolve(ignore).toAbsolutePath());
        }
        return text.toString();
    }

    /** The effective options, as printed once at start-up, with the resolved report and log targets. */
    public String describe(String reportTarget, String logTarget) {
        return INTERVAL + "=" + formatDuration(intervalMillis) + ", " + GRACE + "=" + formatDuration(graceMillis)
                + ", " + REPORT + "="
                + (reportTarget == null ? "none" : reportTarget) + ", " + LOG + "=" + logTarget
                + (failOnLeak ? ", " + FAIL_ON_LEAK : "") + (ignore == null ? "" : ", " + IGNORE + "=" + ignore);
    }

    @Override
    public String toString() {
        return describe(report, log);
    }
}
