package dev.closewait.agent.detect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Known leaks a team cannot fix yet, from the {@code ignore} file: one rule per line,
 * {@code frame:<prefix>} (a creation frame starts with it, module and loader prefixes aside) or
 * {@code remote:<glob>} (the remote endpoint, {@code *} and {@code ?} wildcards, e.g.
 * {@code *:9092}); {@code #} starts a comment. Ignored findings are counted, never listed; a rule
 * that matched nothing is reported at exit, so lists do not rot.
 */
public final class IgnoreRules {

    private static final IgnoreRules NONE = new IgnoreRules(List.of(), null);

    private final List<Rule> rules;
    private final Path file;

    /** One line of the file. */
    public static final class Rule {
        private final int line;
        private final String text;
        private final String framePrefix;
        private final Pattern remote;
        private volatile long matches;

        Rule(int line, String text, String framePrefix, Pattern remote) {
            this.line = line;
            this.text = text;
            this.framePrefix = framePrefix;
            this.remote = remote;
        }

        boolean matches(List<String> stack, String remoteEndpoint) {
            if (remote != null) {
                return remote.matcher(remoteEndpoint).matches();
            }
            for (String frame : stack) {
                if (withoutModule(frame).startsWith(framePrefix)) {
                    return true;
                }
            }
            return false;
        }

        /** The line number in the file. */
        public int line() {
            return line;
        }

        /** The rule as written. */
        public String text() {
            return text;
        }

        /** How many findings it left out. */
        public long matches() {
            return matches;
        }
    }

    private IgnoreRules(List<Rule> rules, Path file) {
        this.rules = rules;
        this.file = file;
    }

    /** No rules. */
    public static IgnoreRules none() {
        return NONE;
    }

    /**
     * Reads the rules of {@code file}, UTF-8 (a byte order mark at its start is skipped).
     *
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the line that is not UTF-8, or not a rule; never
     *                                  quoting the file's contents (it may not be an ignore file at all)
     */
    public static IgnoreRules read(Path file) throws IOException {
        List<String> lines = lines(file);
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            int comment = text.indexOf('#');
            String rule = (comment < 0 ? text : text.substring(0, comment)).trim();
            if (rule.isEmpty()) {
                continue;
            }
            if (rule.startsWith("frame:") && rule.length() > "frame:".length()) {
                rules.add(new Rule(i + 1, rule, rule.substring("frame:".length()).trim(), null));
            } else if (rule.startsWith("remote:") && rule.length() > "remote:".length()) {
                rules.add(new Rule(i + 1, rule, null, glob(rule.substring("remote:".length()).trim())));
            } else {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not a rule; write frame:<prefix"
                        + " of a stack frame> or remote:<glob of host:port>, # for comments");
            }
        }
        return new IgnoreRules(List.copyOf(rules), file.toAbsolutePath());
    }

    /** The file's lines, decoded as UTF-8 strictly, a leading byte order mark dropped. */
    private static List<String> lines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        List<String> lines = new ArrayList<>();
        int lineStart = start;
        for (int i = start; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i > lineStart && bytes[i - 1] == '\r' ? i - 1 : i;
                try {
                    lines.add(StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                            .decode(java.nio.ByteBuffer.wrap(bytes, lineStart, end - lineStart)).toString());
                } catch (java.nio.charset.CharacterCodingException notUtf8) {
                    throw new IllegalArgumentException(file + " line " + (lines.size() + 1) + " is not UTF-8 text;"
                            + " save the file as UTF-8");
                }
                lineStart = i + 1;
            }
        }
        return lines;
    }

    /** The first rule that matches a finding with this stack and remote endpoint (counting it), or {@code null}. */
    public Rule match(List<String> stack, String remoteEndpoint) {
        for (Rule rule : rules) {
            if (rule.matches(stack, remoteEndpoint)) {
                rule.matches++;
                return rule;
            }
        }
        return null;
    }

    /** Rules that left nothing out so far. */
    public List<Rule> unmatched() {
        List<Rule> unmatched = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.matches == 0) {
                unmatched.add(rule);
            }
        }
        return unmatched;
    }

    /** The file the rules came from, or {@code null} for none. */
    public Path file() {
        return file;
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString());
    }

    /** {@code java.base/java.net.Socket.connect(...)} -> {@code java.net.Socket.connect(...)}. */
    private static String withoutModule(String frame) {
        int paren = frame.indexOf('(');
        int slash = frame.lastIndexOf('/', paren < 0 ? frame.length() : paren);
        return slash < 0 ? frame : frame.substring(slash + 1);
    }
}
