package dev.closewait.agent.track;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of everything the agent prints or writes. JDBC URLs, connection
 * properties and exception messages pass through here before the agent keeps them.
 *
 * <p>A parameter is secret when its name looks like one ({@code password}, {@code pwd},
 * {@code sslpassword}, {@code trustStorePassword}, {@code keyStoreSecret}, {@code accessToken},
 * {@code clientSecret}, {@code apiKey}, ...). Values are masked as {@code ****} in
 * {@code key=value} parameters ({@code ?a=b&c=d}, SQL Server's {@code ;a=b;} and {@code {braced}}
 * values), in {@code user:secret@host} and Oracle's {@code user/secret@host}. Messages also have
 * every known secret value replaced, wherever it appears.
 */
public final class JdbcSecrets {

    /** What a secret is replaced by. */
    public static final String MASK = "****";

    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|pwd|secret|token|credential|api_?key|access_?key|private_?key|auth_?key).*|(?i).*pass");
    /** {@code key=value} after {@code ? & ; :} or at the start; SQL Server values may be {@code {braced}}. */
    private static final Pattern PARAMETER = Pattern.compile(
            "(^|[?&;:(]\\s*)([A-Za-z][A-Za-z0-9_.\\-]*)(\\s*=\\s*)(\\{(?:[^}]|\\}\\})*\\}|[^;&)\\s]*)");
    /** {@code //user:secret@host}: the password up to the last {@code @} before the path. */
    private static final Pattern USER_INFO = Pattern.compile("(//[^/@:;?]*):([^/]*)@");
    /** Oracle's {@code jdbc:oracle:thin:user/secret@host}. */
    private static final Pattern ORACLE_USER = Pattern.compile("(?i)(jdbc:oracle:[a-z0-9]+:[^/@:]*)/([^@]*)@");
    private static final Pattern USER_NAME = Pattern.compile("(?i)user|username|user_name|uid|login");
    private static final Pattern URL_USER_INFO = Pattern.compile("//([^/@:;?]+)(:[^/]*)?@");
    private static final int SHORT_SECRET = 4;

    /**
     * What a URL says, worked out once per distinct URL: an application connects with one URL or a
     * few, and the regular expressions cost more than the rest of the agent's work in a connect.
     */
    private static final ConcurrentHashMap<String, UrlFacts> URLS = new ConcurrentHashMap<>();
    /** Property names already judged (secret or user name, or neither). */
    private static final ConcurrentHashMap<String, Integer> NAMES = new ConcurrentHashMap<>();
    /** Past this many distinct URLs or names (generated ones), nothing more is cached. */
    static final int MAX_CACHED = 256;
    private static final int NAME_SECRET = 1;
    private static final int NAME_USER = 2;

    /** The masked form, the secret values and the user name of one URL. */
    private static final class UrlFacts {
        final String masked;
        final List<String> secrets;
        final String user;

        UrlFacts(String url) {
            this.masked = maskUrlUncached(url);
            this.secrets = List.copyOf(urlSecretValues(url));
            this.user = urlUser(url);
        }
    }

    private JdbcSecrets() {
    }

    /** Whether a parameter of this name holds a secret. */
    public static boolean isSecretName(String name) {
        return (judge(name) & NAME_SECRET) != 0;
    }

    private static int judge(String name) {
        Integer known = NAMES.get(name);
        if (known != null) {
            return known;
        }
        int judged = (SECRET_NAME.matcher(name).matches() ? NAME_SECRET : 0)
                | (USER_NAME.matcher(name).matches() ? NAME_USER : 0);
        if (NAMES.size() < MAX_CACHED) {
            NAMES.putIfAbsent(name, judged);
        }
        return judged;
    }

    private static UrlFacts facts(String url) {
        UrlFacts known = URLS.get(url);
        if (known != null) {
            return known;
        }
        UrlFacts facts = new UrlFacts(url);
        if (URLS.size() < MAX_CACHED) {
            URLS.putIfAbsent(url, facts);
        }
        return facts;
    }

    /** The URL with every secret value masked; {@code null} stays {@code null}. */
    public static String maskUrl(String url) {
        return url == null ? null : facts(url).masked;
    }

    private static String maskUrlUncached(String url) {
        String masked = maskParameters(url);
        masked = USER_INFO.matcher(masked).replaceAll("$1:" + MASK + "@");
        return ORACLE_USER.matcher(masked).replaceAll("$1/" + MASK + "@");
    }

    /**
     * A message (of an exception the agent copies) with parameters masked and every known secret
     * value replaced: long ones wherever they appear, short ones where they stand as a word.
     */
    public static String maskMessage(String message, Collection<String> secrets) {
        if (message == null) {
            return null;
        }
        String masked = maskUrlUncached(message); // messages differ every time: not cached
        for (String secret : secrets) {
            if (secret.isEmpty() || secret.equals(MASK)) {
                continue;
            }
            masked = secret.length() >= SHORT_SECRET
                    ? masked.replace(secret, MASK)
                    : masked.replaceAll("(?<![A-Za-z0-9])" + Pattern.quote(secret) + "(?![A-Za-z0-9])",
                            Matcher.quoteReplacement(MASK));
        }
        return masked;
    }

    /** The secret values in {@code url} and {@code info}, to mask wherever they are echoed. */
    public static List<String> secretValues(String url, Properties info) {
        List<String> secrets = new ArrayList<>();
        if (info != null) {
            for (Map.Entry<Object, Object> entry : info.entrySet()) {
                if (entry.getKey() instanceof String && entry.getValue() instanceof String
                        && isSecretName((String) entry.getKey())) {
                    secrets.add((String) entry.getValue());
                }
            }
        }
        if (url != null) {
            secrets.addAll(facts(url).secrets);
        }
        secrets.removeIf(String::isEmpty);
        return secrets;
    }

    private static List<String> urlSecretValues(String url) {
        List<String> secrets = new ArrayList<>();
        Matcher m = PARAMETER.matcher(url);
        while (m.find()) {
            if (isSecretName(m.group(2))) {
                String value = m.group(4);
                secrets.add(value);
                if (value.startsWith("{") && value.endsWith("}") && value.length() > 2) {
                    secrets.add(value.substring(1, value.length() - 1).replace("}}", "}"));
                }
            }
        }
        addGroup(secrets, USER_INFO.matcher(url), 2);
        addGroup(secrets, ORACLE_USER.matcher(url), 2);
        return secrets;
    }

    /** The user name, from the properties or else from the URL; {@code null} when neither tells. */
    public static String user(String url, Properties info) {
        if (info != null) {
            for (String name : info.stringPropertyNames()) {
                if ((judge(name) & NAME_USER) != 0 && !info.getProperty(name).isEmpty()) {
                    return info.getProperty(name);
                }
            }
        }
        return url == null ? null : facts(url).user;
    }

    private static String urlUser(String url) {
        Matcher m = PARAMETER.matcher(url);
        while (m.find()) {
            if (USER_NAME.matcher(m.group(2)).matches() && !m.group(4).isEmpty()) {
                String value = m.group(4);
                return value.startsWith("{") && value.endsWith("}") ? value.substring(1, value.length() - 1) : value;
            }
        }
        Matcher userInfo = URL_USER_INFO.matcher(url);
        if (userInfo.find()) {
            return userInfo.group(1);
        }
        Matcher oracle = ORACLE_USER.matcher(url);
        if (oracle.find()) {
            String head = oracle.group(1);
            return head.substring(head.lastIndexOf(':') + 1);
        }
        return null;
    }

    private static String maskParameters(String text) {
        Matcher m = PARAMETER.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            if (isSecretName(m.group(2)) && !m.group(4).isEmpty()) {
                out.append(text, last, m.start(4)).append(MASK);
                last = m.end(4);
            }
        }
        return out.append(text, last, text.length()).toString();
    }

    private static void addGroup(List<String> secrets, Matcher m, int group) {
        while (m.find()) {
            secrets.add(m.group(group));
        }
    }
}
