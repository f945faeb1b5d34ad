package dev.closewait.maven;

import dev.closewait.agent.AgentOptions;
import dev.closewait.agent.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code -javaagent:} option that {@code prepare-agent} puts on {@code argLine}: the agent jar,
 * a report per test JVM ({@code leaks-{pid}.json}, so that every Surefire and Failsafe fork writes
 * its own) and the agent options given as plugin parameters, checked by the agent's own parser.
 */
final class AgentArgument {

    /** The name of each test JVM's report in the report directory. */
    static final String REPORT_FILE = "leaks-" + Option.PID_PLACEHOLDER + ".json";

    private AgentArgument() {
    }

    /** {@code -javaagent:JAR=OPTIONS}, quoted for {@code argLine} when it holds a space. */
    static String javaagent(Path agentJar, String options) {
        return quoteForArgLine("-javaagent:" + agentJar.toAbsolutePath() + "=" + options);
    }

    /**
     * {@code report=DIR/leaks-{pid}.json,OPTIONS}: {@code given} holds the options set as parameters
     * (never {@code report}); relative paths among them are resolved against {@code basedir}.
     *
     * @throws IllegalArgumentException naming the bad option and listing the valid ones
     */
    static String options(Path reportDirectory, Map<Option, String> given, Path basedir) {
        List<String> items = new ArrayList<>();
        for (Map.Entry<Option, String> option : given.entrySet()) {
            if (option.getKey() == Option.REPORT) {
                throw new IllegalArgumentException("the report is set by the plugin (reportDirectory), not as an option");
            }
            items.add(option.getKey().key() + "=" + quoteIfComma(option.getValue()));
        }
        String others = AgentOptions.parse(String.join(",", items)).toArgument(basedir);
        String report = reportDirectory.resolve(REPORT_FILE).toAbsolutePath().normalize().toString();
        String options = Option.REPORT.key() + "=" + quoteIfComma(report) + (others.isEmpty() ? "" : "," + others);
        AgentOptions.parse(options); // the whole string, as the agent will read it
        return options;
    }

    /**
     * {@code current} (the property's value so far, maybe {@code null}) with {@code argument} appended,
     * after removing an argument for the same agent jar that an earlier execution put there.
     * Appending keeps what another plugin set (JaCoCo's agent), whichever ran first.
     */
    static String appendTo(String current, String argument, Path agentJar) {
        String rest = current == null ? "" : current;
        String jar = Pattern.quote("-javaagent:" + agentJar.toAbsolutePath());
        Matcher earlier = Pattern.compile("\"" + jar + "[^\"]*\"|'" + jar + "[^']*'|" + jar + "\\S*").matcher(rest);
        rest = earlier.replaceAll("").trim().replaceAll("\\s{2,}", " ");
        return rest.isEmpty() ? argument : rest + " " + argument;
    }

    /**
     * Surefire splits {@code argLine} at spaces outside quotes: an argument with a space goes in
     * double quotes, or in single quotes when it holds a double quote (an option value with a comma).
     */
    static String quoteForArgLine(String argument) {
        if (!argument.matches("(?s).*\\s.*")) {
            return argument;
        }
        if (argument.indexOf('"') < 0) {
            return '"' + argument + '"';
        }
        if (argument.indexOf('\'') < 0) {
            return '\'' + argument + '\'';
        }
        throw new IllegalArgumentException("the -javaagent option holds spaces and both kinds of quotes, so it cannot"
                + " be written on argLine: " + argument);
    }

    private static String quoteIfComma(String value) {
        return value.indexOf(',') >= 0 ? '"' + value + '"' : value;
    }
}
