package dev.closewait.agent.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The report's time formats: UTC ISO-8601, events to the millisecond. */
final class Timestamps {

    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** {@code 2026-11-21T10:14:02.120Z}. */
    public static String millis(long epochMillis) {
        return MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }

    /** {@code 2026-11-21T10:15:30Z}. */
    public static String seconds(long epochMillis) {
        return SECONDS.format(Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS));
    }

    /** {@code 10:14:02.120} (UTC), for sentences. */
    public static String timeOfDay(long epochMillis) {
        return CLOCK.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * {@code 12.3 s}, {@code 250 ms} or {@code 2.5 min}, tenths rounded half up. Plain arithmetic: the
     * first finding of a JVM would otherwise set up {@link java.util.Formatter} for one number.
     */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 120_000) {
            return tenths((millis + 50) / 100) + " s";
        }
        return tenths((millis + 3_000) / 6_000) + " min";
    }

    private static String tenths(long tenths) {
        return tenths / 10 + "." + tenths % 10;
    }
}
