package dev.closewait.agent.report;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimestampsTest {

    @Test
    void durationsReadAsMillisecondsSecondsOrMinutesInTenths() {
        assertEquals("0 ms", Timestamps.duration(0));
        assertEquals("999 ms", Timestamps.duration(999));
        assertEquals("1.0 s", Timestamps.duration(1000));
        assertEquals("1.2 s", Timestamps.duration(1249));
        assertEquals("1.3 s", Timestamps.duration(1250));
        assertEquals("120.0 s", Timestamps.duration(119_999));
        assertEquals("2.0 min", Timestamps.duration(120_000));
        assertEquals("2.5 min", Timestamps.duration(150_000));
        assertEquals("1440.0 min", Timestamps.duration(86_400_000));
    }

    @Test
    void durationsRoundAsTheFormatterDoes() {
        for (long millis = 1000; millis < 120_000; millis += 7) {
            assertEquals(String.format(Locale.ROOT, "%.1f s", millis / 1000.0), Timestamps.duration(millis));
        }
        for (long millis = 120_000; millis < 3_000_000; millis += 1_000) {
            assertEquals(String.format(Locale.ROOT, "%.1f min", millis / 60_000.0), Timestamps.duration(millis));
        }
    }
}
