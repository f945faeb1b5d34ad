package dev.closewait.agent;

import dev.closewait.agent.detect.IgnoreRules;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.io.FileProblem;
import dev.closewait.agent.output.Outputs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a set of options opens: the outputs and the ignore rules. Opened whole or not at all, so a
 * bad option changes nothing; closed when replaced.
 */
final class Settings {

    final AgentOptions options;
    final Outputs outputs;
    final IgnoreRules ignoreRules;

    private Settings(AgentOptions options, Outputs outputs, IgnoreRules ignoreRules) {
        this.options = options;
        this.outputs = outputs;
        this.ignoreRules = ignoreRules;
    }

    /**
     * Opens what {@code options} name; {@code current} is written to a report file to prove it.
     *
     * @throws StartupException saying which option's file cannot be used, and why
     */
    static Settings open(AgentOptions options, Supplier<LeakReport> current, Consumer<String> warn) throws StartupException {
        IgnoreRules rules = ignoreRules(options.ignore());
        try {
            return new Settings(options, Outputs.open(options, current, warn), rules);
        } catch (IOException unwritable) {
            throw new StartupException(unwritable.getMessage(), unwritable);
        }
    }

    static IgnoreRules ignoreRules(String value) throws StartupException {
        if (value == null) {
            return IgnoreRules.none();
        }
        Path path;
        try {
            path = Outputs.path(Option.IGNORE, value);
        } catch (IOException noDirectory) {
            throw new StartupException(noDirectory.getMessage(), noDirectory);
        }
        try {
            return IgnoreRules.read(path);
        } catch (IOException unreadable) {
            throw new StartupException("cannot read the ignore file " + path + " (option '" + Option.IGNORE.key()
                    + "'): " + FileProblem.reason(unreadable), unreadable);
        } catch (IllegalArgumentException badRule) {
            throw new StartupException("bad ignore file (option '" + Option.IGNORE.key() + "'): "
                    + badRule.getMessage(), badRule);
        }
    }

    /** The options in force, as the start-up line and {@code configure} say them. */
    String describe() {
        return options.describe(outputs.reportLocation(), outputs.htmlLocation(), outputs.log().toString());
    }

    void close() {
        outputs.close();
    }
}
