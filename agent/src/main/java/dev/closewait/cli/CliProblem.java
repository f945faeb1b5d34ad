package dev.closewait.cli;

/** Why a command cannot do what was asked: a message for the user and the exit status. */
final class CliProblem extends Exception {

    private static final long serialVersionUID = 1L;

    /** Bad input, a refusal, or nothing to talk to (DESIGN.md's CLI contract). */
    static final int EXIT_REFUSED = 2;

    private final int exitCode;

    CliProblem(String message) {
        this(message, EXIT_REFUSED);
    }

    CliProblem(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
