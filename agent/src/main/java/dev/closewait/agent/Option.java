package dev.closewait.agent;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every agent option: its name, the form of its value, its default and its meaning. The one source
 * that the parser, error messages, the CLI's help, the Maven plugin and a test of the README's
 * options table all read. Values are parsed here too, one kind of value at a time.
 */
public enum Option {

    /** How often the TCP table is scanned. */
    INTERVAL("interval", Kind.DURATION, "5s", "how often the TCP table is scanned"),
    /** How long a socket may sit in CLOSE_WAIT before it is a leak. */
    GRACE("grace", Kind.DURATION, "10s", "how long a socket may sit in CLOSE_WAIT before it is a leak"),
    /** JSON report file, rewritten atomically when findings change and at exit. */
    REPORT("report", Kind.FILE, null, "JSON report file, rewritten atomically when findings change and at exit"),
    /** A self-contained HTML page of the report, rewritten with it: summary, leaks by creation stack, a chart over time. */
    HTML("html", Kind.FILE, null, "a self-contained HTML page of the report (summary, leaks by creation stack, a chart"
            + " of CLOSE_WAIT and FIN_WAIT_2 over time), rewritten when the report is"),
    /** Where human-readable findings go: {@code stderr}, a file path, or {@code off}. */
    LOG("log", Kind.LOG, "stderr", "where human-readable findings go: stderr, a file path, or off"),
    /** At exit, if the run had any finding (those a pool holds idle aside), print the report and make the exit status {@link AgentOptions#FAIL_ON_LEAK_STATUS}. */
    FAIL_ON_LEAK("failOnLeak", Kind.SWITCH, "false", "at exit, if the run had any finding (those a pool holds idle"
            + " aside), print the report and exit with status " + AgentOptions.FAIL_ON_LEAK_STATUS),
    /** A file of known leaks to leave out: {@code frame:<prefix>} and {@code remote:<glob>} lines. */
    IGNORE("ignore", Kind.FILE, null, "a file of known leaks to leave out, one frame:<prefix> or remote:<glob> per line"),
    /** The application's package prefixes, separated by {@code ;}: only their frames are the application's. */
    APP("app", Kind.PACKAGES, null, "the application's package prefixes, separated by ; (com.acme.;org.shop.): when"
            + " set, only their frames are the application's (=>)"),
    /** Findings listed at most; more are counted per creation stack and remote. */
    MAX_FINDINGS("maxFindings", Kind.COUNT, "1000", "findings listed at most; more are counted per creation stack"
            + " and remote, not listed");

    /** Value of {@link #LOG} for standard error. */
    public static final String LOG_STDERR = "stderr";
    /** Value of {@link #LOG} that turns the text output off. */
    public static final String LOG_OFF = "off";
    /** In a {@link #REPORT}, {@link #HTML} or {@link #LOG} path: replaced by the process id, so each JVM writes its own file. */
    public static final String PID_PLACEHOLDER = "{pid}";

    /** The largest {@link #MAX_FINDINGS}: a report of that many is some megabytes. */
    public static final int MAX_COUNT = 100_000;
    /** The shortest {@link #INTERVAL}. */
    public static final long MIN_INTERVAL_MILLIS = 100;

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** The kinds of values, each with its form and parser. */
    enum Kind {
        DURATION("<duration>"),
        FILE("<file>"),
        LOG("stderr|off|<file>"),
        SWITCH("[true|false]"),
        COUNT("<number>"),
        PACKAGES("<prefix>[;<prefix>...]");

        final String form;

        Kind(String form) {
            this.form = form;
        }
    }

    private final String key;
    private final Kind kind;
    private final String defaultValue;
    private final String meaning;

    Option(String key, Kind kind, String defaultValue, String meaning) {
        this.key = key;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.meaning = meaning;
    }

    /** The name written before {@code =}. */
    public String key() {
        return key;
    }

    /** The form of its value, for help: {@code <duration>}, {@code <file>}, ... */
    public String form() {
        return kind.form;
    }

    /** Its default as written in an option string, or {@code null} for none. */
    public String defaultValue() {
        return defaultValue;
    }

    /** Its default for docs and help: the value, or {@code none}. */
    public String defaultText() {
        return defaultValue == null ? "none" : defaultValue;
    }

    /** What it does, in a sentence without a full stop. */
    public String meaning() {
        return meaning;
    }

    /** Whether a bare key means {@code true}. */
    public boolean isSwitch() {
        return kind == Kind.SWITCH;
    }

    /** Whether its value is a path (a file, or a log that may be one). */
    public boolean takesPath() {
        return kind == Kind.FILE || kind == Kind.LOG;
    }

    /** The option named {@code key}, or {@code null}. */
    public static Option named(String key) {
        for (Option option : values()) {
            if (option.key.equals(key)) {
                return option;
            }
        }
        return null;
    }

    /**
     * Checks and converts {@code value}: millis for durations, {@code Boolean} for switches, the
     * text for the others.
     *
     * @throws IllegalArgumentException naming this option and what was wrong
     */
    Object parse(String value) {
        switch (kind) {
            case DURATION:
                long millis = millis("option '" + key + "'", value);
                if (this == INTERVAL && millis < MIN_INTERVAL_MILLIS) {
                    throw new IllegalArgumentException("option '" + key + "' must be at least "
                            + formatMillis(MIN_INTERVAL_MILLIS) + " (got '" + value + "'): a shorter one keeps a core"
                            + " busy reading the TCP table");
                }
                return millis;
            case COUNT:
                int count;
                try {
                    count = Integer.parseInt(value);
                } catch (NumberFormatException notANumber) {
                    count = -1;
                }
                if (count < 1 || count > MAX_COUNT) {
                    throw new IllegalArgumentException("option '" + key + "' is a whole number from 1 to " + MAX_COUNT
                            + ", not '" + value + "'");
                }
                return count;
            case PACKAGES:
                java.util.List<String> prefixes = new java.util.ArrayList<>();
                for (String prefix : value.split(";")) {
                    String trimmed = prefix.trim();
                    if (!trimmed.isEmpty() && !trimmed.matches("[\\p{L}_$][\\p{L}\\p{N}_$.]*")) {
                        throw new IllegalArgumentException("option '" + key + "' holds '" + trimmed + "', which is not"
                                + " a package prefix; write com.acme.;org.shop.");
                    }
                    if (!trimmed.isEmpty()) {
                        prefixes.add(trimmed);
                    }
                }
                if (prefixes.isEmpty()) {
                    throw new IllegalArgumentException("option '" + key + "' names no package; write com.acme.;org.shop.");
                }
                return java.util.List.copyOf(prefixes);
            case SWITCH:
                if (value.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (value.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new IllegalArgumentException("option '" + key + "' is true or false, not '" + value + "' (a bare '"
                        + key + "' means true)");
            case LOG:
                // log=OFF is off, not a file named OFF in the working directory (./OFF is one)
                return value.equalsIgnoreCase(LOG_STDERR) ? LOG_STDERR : value.equalsIgnoreCase(LOG_OFF) ? LOG_OFF : value;
            default:
                return value;
        }
    }

    /**
     * Parses {@code 250ms}, {@code 2s}, {@code 1m} or {@code 1h} into millis; {@code what} names the
     * setting in the message ({@code option 'grace'}, or another tool's parameter of the same form).
     */
    public static long millis(String what, String value) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " has a malformed duration '" + value
                    + "'; write a whole number and a unit: 250ms, 2s, 1m or 1h");
        }
        long unit;
        switch (m.group(2)) {
            case "ms": unit = 1; break;
            case "s": unit = 1000; break;
            case "m": unit = 60_000; break;
            default: unit = 3_600_000; break;
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException tooLong) {
            amount = Long.MAX_VALUE;
        }
        if (amount > Long.MAX_VALUE / unit / 2) {
            throw new IllegalArgumentException(what + " has a duration too large: '" + value + "'");
        }
        return amount * unit;
    }

    /** Millis in the largest unit that divides them evenly: {@code 5s}, {@code 250ms}, {@code 2m}. */
    public static String formatMillis(long millis) {
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
}
