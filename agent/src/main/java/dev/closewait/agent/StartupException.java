package dev.closewait.agent;

/** A problem with what the user asked for at start-up (a path that cannot be written, ...). */
final class StartupException extends Exception {

    private static final long serialVersionUID = 1L;

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
