package dev.closewait.agent.track;

/**
 * A bound on the strings the application hands the agent (thread and pool names, JDBC URLs, users
 * and server messages, frames): a thread named with millions of characters would otherwise make a
 * report that {@code check} refuses to read as too large to be one, and a page that cannot be drawn.
 */
public final class LongText {

    /** Characters kept of one string; far more than any name or frame people write. */
    public static final int MAX_CHARS = 4096;

    private LongText() {
    }

    /**
     * {@code text} itself when it is at most {@link #MAX_CHARS} long, else its first characters
     * (never half of a surrogate pair) and how long it was: {@code "abc… (5000000 characters)"}.
     */
    public static String capped(String text) {
        if (text == null || text.length() <= MAX_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
        return text.substring(0, end) + "\u2026 (" + text.length() + " characters)";
    }
}
