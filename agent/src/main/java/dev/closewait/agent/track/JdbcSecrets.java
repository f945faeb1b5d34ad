package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of everything the agent prints or writes. JDBC URLs, connection
 * properties and exception messages pass through here before the agent keeps them.
 *
 * <p>By allowlist, not by guessing which names are secret: a URL keeps its scheme, hosts, ports,
 * path (the database) and every parameter's name, but a parameter's value only when its name is
 * one of {@link #HARMLESS} (database name, encryption and timeout settings, application name...);
 * every other value, and the whole userinfo part whatever it holds, becomes {@link #MASK}. The URL
 * syntaxes of the drivers people use are read as such: {@code ?a=b&c=d}; {@code ;a=b;} with SQL
 * Server's {@code {braced}} values and values holding spaces; {@code user:secret@host} (a secret
 * may hold {@code /}); MySQL Connector/J's {@code (host=h,user=u,password=p)} and
 * {@code address=(host=h)(password=p)}; Oracle's {@code user/secret@host}, quoted
 * {@code "user"/"secret"@} and TNS descriptors; DB2's {@code db:user=u;password=p;}. Messages
 * have every URL in them masked so, and every secret value the agent learnt replaced.
 */
public final class JdbcSecrets {

    /** What a secret is replaced by. */
    public static final String MASK = "****";

    /** Parameters whose values are shown (lower case): they say where and how, never who or with what. */
    static final Set<String> HARMLESS = Set.of(
            "database", "databasename", "dbname", "db", "currentschema", "schema", "servicename", "service_name",
            "sid", "server", "servername", "host", "port", "portnumber", "protocol", "instancename", "type",
            "failoverpartner", "encrypt", "trustservercertificate", "hostnameincertificate", "ssl", "sslmode",
            "usessl", "requiressl", "sslfactory", "logintimeout", "connecttimeout", "sockettimeout", "querytimeout",
            "locktimeout", "cancelquerytimeout", "connectretrycount", "connectretryinterval", "applicationname",
            "appname", "applicationintent", "programname", "multisubnetfailover", "transparentnetworkipresolution",
            "characterencoding", "useunicode", "servertimezone", "timezone", "tcpkeepalive", "loadbalancehosts",
            "targetservertype", "integratedsecurity", "authenticationscheme", "authentication",
            "sendstringparametersasunicode", "selectmethod", "responsebuffering", "packetsize", "autoreconnect",
            "preparethreshold", "defaultrowfetchsize", "rewritebatchedinserts", "readonly", "autocommit",
            "load_balance", "failover", "retry_count", "transport_connect_timeout", "connect_timeout", "enable",
            "source_route", "server_type");
    /**
     * Parameters whose value is a group of parameters (lower case): MySQL's {@code address=(host=h)(port=p)},
     * Oracle's TNS descriptors. Any other value in parentheses is a value, masked whole unless harmless.
     */
    private static final Set<String> GROUP_KEYS = Set.of("address", "address_list", "description", "description_list",
            "connect_data", "failover_mode", "security");
    /** Parameters that name the user (lower case): masked in a URL like any value, shown as the report's {@code user}. */
    private static final Set<String> USER_KEYS = Set.of("user", "username", "user_name", "uid", "userid", "login");
    private static final Pattern ORACLE = Pattern.compile("(?i)^jdbc:oracle:[a-z0-9]+:");
    /** A secret this short is replaced in messages only where it stands as a word. */
    private static final int SHORT_SECRET = 4;
    /** What a driver's URL parser may split a secret at, so that it echoes a piece of it. */
    private static final String SECRET_PIECES = "[/?#;&@:,()=\\s]+";

    /** What a URL says, worked out once per distinct URL (an application uses one or a few). */
    private static final ConcurrentHashMap<String, Masked> URLS = new ConcurrentHashMap<>();
    /** Past this many distinct URLs (generated ones), nothing more is cached. */
    static final int MAX_CACHED = 256;

    private JdbcSecrets() {
    }

    /** The URL with every value masked but the harmless ones; {@code null} stays {@code null}. */
    public static String maskUrl(String url) {
        return url == null ? null : facts(url).text;
    }

    /**
     * A message (of an exception the agent copies) with every JDBC URL in it masked, and every
     * known secret value replaced: long ones wherever they appear, short ones where they stand as a word.
     */
    public static String maskMessage(String message, Collection<String> secrets) {
        if (message == null) {
            return null;
        }
        String masked = maskUrlsIn(message);
        for (String secret : secrets) {
            masked = maskEach(masked, secret);
            // A driver that misreads a URL echoes pieces of a secret: "Incorrect port value : Pw77" of "Pw77/x"
            for (String piece : secret.split(SECRET_PIECES)) {
                if (piece.length() >= SHORT_SECRET && !piece.equals(secret)) {
                    masked = maskEach(masked, piece);
                }
            }
        }
        return masked;
    }

    /** {@code text} with every {@code secret} in it masked; a short one only where it stands as a word. */
    private static String maskEach(String text, String secret) {
        if (secret.isEmpty() || secret.equals(MASK)) {
            return text;
        }
        return secret.length() >= SHORT_SECRET ? text.replace(secret, MASK)
                : text.replaceAll("(?<![A-Za-z0-9])" + Pattern.quote(secret) + "(?![A-Za-z0-9])",
                        Matcher.quoteReplacement(MASK));
    }

    /** Every URL in {@code text} masked, from {@code jdbc:} to the end of the text (a URL's values may hold spaces). */
    private static String maskUrlsIn(String text) {
        int at = text.toLowerCase(Locale.ROOT).indexOf("jdbc:");
        return at < 0 ? text : text.substring(0, at) + new Masked(text.substring(at)).text;
    }

    /** The secret values in {@code url} and {@code info} (all values but the harmless ones), to mask wherever echoed. */
    public static List<String> secretValues(String url, Properties info) {
        List<String> secrets = new ArrayList<>();
        if (info != null) {
            for (String name : info.stringPropertyNames()) { // the defaults of new Properties(defaults) too
                if (!isHarmless(name) && !isUserKey(name)) {
                    secrets.add(info.getProperty(name));
                }
            }
        }
        if (url != null) {
            secrets.addAll(facts(url).secrets);
        }
        secrets.removeIf(String::isEmpty);
        return secrets;
    }

    /** The user name, from the properties or else from the URL; {@code null} when neither tells. */
    public static String user(String url, Properties info) {
        if (info != null) {
            for (String name : info.stringPropertyNames()) {
                if (isUserKey(name) && !info.getProperty(name).isEmpty()) {
                    return info.getProperty(name);
                }
            }
        }
        return url == null ? null : facts(url).user;
    }

    static boolean isHarmless(String name) {
        return HARMLESS.contains(name.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * Whether a {@code name=(...)} is a group of parameters rather than a value in parentheses: by
     * allowlist too, so that {@code password=(a=b)} is masked whole.
     */
    private static boolean isGroupKey(String name) {
        return GROUP_KEYS.contains(name.trim().toLowerCase(Locale.ROOT));
    }

    private static boolean isUserKey(String name) {
        return USER_KEYS.contains(name.trim().toLowerCase(Locale.ROOT));
    }

    private static Masked facts(String url) {
        Masked known = URLS.get(url);
        if (known != null) {
            return known;
        }
        Masked masked = new Masked(url);
        if (URLS.size() < MAX_CACHED) {
            URLS.putIfAbsent(url, masked);
        }
        return masked;
    }

    /** One URL read: its masked text, the values masked (secrets to find in messages), the user it names. */
    private static final class Masked {
        final String text;
        final List<String> secrets = new ArrayList<>();
        String user;
        private final StringBuilder out = new StringBuilder();

        Masked(String url) {
            int rest = userinfo(url);
            parameters(url, rest);
            text = out.toString();
        }

        /** Copies the URL up to its userinfo's end, the userinfo masked; returns where the rest starts. */
        private int userinfo(String url) {
            Matcher oracle = ORACLE.matcher(url);
            if (oracle.find()) {
                int at = unquotedIndexOf(url, '@', oracle.end());
                out.append(url, 0, oracle.end());
                if (at > oracle.end()) {
                    String info = url.substring(oracle.end(), at);
                    int slash = unquotedIndexOf(info, '/', 0);
                    String name = slash < 0 ? info : info.substring(0, slash);
                    user = name.replace("\"", "");
                    if (slash >= 0) {
                        secrets.add(info);
                        secrets.add(info.substring(slash + 1).replace("\"", ""));
                    }
                    out.append(MASK);
                    return at;
                }
                return oracle.end();
            }
            int authority = url.indexOf("//");
            if (authority < 0) {
                return 0;
            }
            int start = authority + 2;
            int end = firstOf(url, start, '?', ';');
            int at = url.lastIndexOf('@', end - 1);
            if (at < start) {
                // A password holding ';' or '?' (MySQL takes one): an '@' before the path, with no
                // parameter (no '=') in front of it, ends a userinfo too.
                int path = firstOf(url, start, '/', '/');
                int later = url.lastIndexOf('@', path - 1);
                int parameter = url.indexOf('=', start);
                if (later >= start && (parameter < 0 || parameter > later)) {
                    at = later;
                }
            }
            out.append(url, 0, start);
            if (at >= start) {
                String info = url.substring(start, at);
                int colon = info.indexOf(':');
                user = colon < 0 ? info : info.substring(0, colon);
                if (colon >= 0) {
                    secrets.add(info);
                    secrets.add(info.substring(colon + 1));
                }
                out.append(MASK);
                return at;
            }
            return start;
        }

        /** Copies {@code url} from {@code from}, each parameter's value masked unless harmless. */
        private void parameters(String url, int from) {
            int i = from;
            char separator = 0;
            while (i < url.length()) {
                char c = url.charAt(i);
                if (c == '?' || c == '&' || c == ';' || c == '(' || c == ',' || c == ':') {
                    separator = c == ',' && separator == 0 ? '(' : c;
                    out.append(c);
                    i++;
                    i = parameter(url, i, separator);
                } else {
                    out.append(c);
                    i++;
                }
            }
        }

        /** Reads a {@code key=value} at {@code i} (if there is one) and copies it; returns where it ends. */
        private int parameter(String url, int i, char separator) {
            int keyStart = i;
            while (i < url.length() && Character.isWhitespace(url.charAt(i))) {
                i++;
            }
            int nameStart = i;
            while (i < url.length() && isNameChar(url.charAt(i))) {
                i++;
            }
            int nameEnd = i;
            while (i < url.length() && Character.isWhitespace(url.charAt(i))) {
                i++;
            }
            if (nameEnd == nameStart || i >= url.length() || url.charAt(i) != '=') {
                out.append(url, keyStart, nameStart); // not a parameter: copy what was skipped, go on
                return nameStart;
            }
            i++;
            while (i < url.length() && url.charAt(i) == ' ') {
                i++;
            }
            out.append(url, keyStart, i);
            String name = url.substring(nameStart, nameEnd);
            if (i < url.length() && url.charAt(i) == '(' && isGroupKey(name) && startsParameter(url, i + 1)) {
                return i; // a nested group (address=(host=...)): its own parameters follow
            }
            int valueEnd = valueEnd(url, i, separator);
            String value = url.substring(i, valueEnd);
            if (isUserKey(name) && user == null) {
                user = unwrap(value.trim());
            }
            if (isHarmless(name)) { // an empty value is masked too: that a password is empty is a secret as well
                out.append(value);
                return valueEnd;
            }
            if (!isUserKey(name)) { // masked like any value, but the report names the user anyway
                secrets.add(value);
                if (!unwrap(value).equals(value)) {
                    secrets.add(unwrap(value));
                }
            }
            out.append(MASK);
            return valueEnd;
        }

        /**
         * Any character but white space and those that separate or quote: a parameter named
         * {@code pass+word} or {@code password[]} is a parameter too, and its value is masked.
         */
        private static boolean isNameChar(char c) {
            return !Character.isWhitespace(c) && "=?&;(),:/@#\"{}".indexOf(c) < 0;
        }

        /** Whether a {@code name=} starts at {@code i}: a group's first parameter, not a value in parentheses. */
        private static boolean startsParameter(String url, int i) {
            int j = i;
            while (j < url.length() && isNameChar(url.charAt(j))) {
                j++;
            }
            while (j < url.length() && Character.isWhitespace(url.charAt(j))) {
                j++;
            }
            return j > i && j < url.length() && url.charAt(j) == '=';
        }

        /**
         * Where a value that starts at {@code i} ends: at the next separator after a braced or quoted
         * part (a driver that does not read braces or quotes takes what follows them too).
         */
        private static int valueEnd(String url, int i, char separator) {
            return separatorAfter(url, wrappedEnd(url, i), separator);
        }

        /** The end of a braced or quoted part that starts at {@code i}, or {@code i} if none does. */
        private static int wrappedEnd(String url, int i) {
            if (i < url.length() && url.charAt(i) == '{') {
                for (int j = i + 1; j < url.length(); j++) {
                    if (url.charAt(j) == '}') {
                        if (j + 1 < url.length() && url.charAt(j + 1) == '}') {
                            j++; // }} is a brace inside the value
                        } else {
                            return j + 1;
                        }
                    }
                }
                return url.length();
            }
            if (i < url.length() && url.charAt(i) == '"') {
                int close = url.indexOf('"', i + 1);
                return close < 0 ? url.length() : close + 1;
            }
            return i;
        }

        /** The next separator of a value from {@code i}: {@code #} is none (pgjdbc takes it into the value). */
        private static int separatorAfter(String url, int i, char separator) {
            switch (separator) {
                case '?':
                case '&':
                    return firstOf(url, i, '&', '&');
                case '(':
                case ',':
                    return firstOf(url, i, ',', ')');
                default:
                    return firstOf(url, i, ';', ';');
            }
        }

        /** {@code {a}}b}} -> {@code a}b}, {@code "a"} -> {@code a}, else as it is. */
        private static String unwrap(String value) {
            if (value.length() >= 2 && value.startsWith("{") && value.endsWith("}")) {
                return value.substring(1, value.length() - 1).replace("}}", "}");
            }
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                return value.substring(1, value.length() - 1);
            }
            return value;
        }
    }

    /** The first index of {@code a} or {@code b} in {@code text} from {@code from}, or its length. */
    private static int firstOf(String text, int from, char a, char b) {
        for (int i = from; i < text.length(); i++) {
            if (text.charAt(i) == a || text.charAt(i) == b) {
                return i;
            }
        }
        return text.length();
    }

    /** The index of {@code c} outside double quotes, from {@code from}; -1 if none. */
    private static int unquotedIndexOf(String text, char c, int from) {
        boolean quoted = false;
        for (int i = from; i < text.length(); i++) {
            char here = text.charAt(i);
            if (here == '"') {
                quoted = !quoted;
            } else if (here == c && !quoted) {
                return i;
            }
        }
        return -1;
    }
}
