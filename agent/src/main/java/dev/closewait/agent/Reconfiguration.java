package dev.closewait.agent;

/** What a reconfiguration did: whether the new options are in force, and a sentence that says so or why not. */
final class Reconfiguration {

    final boolean applied;
    final String message;

    private Reconfiguration(boolean applied, String message) {
        this.applied = applied;
        this.message = message;
    }

    static Reconfiguration applied(String message) {
        return new Reconfiguration(true, message);
    }

    static Reconfiguration refused(String message) {
        return new Reconfiguration(false, message);
    }

    @Override
    public String toString() {
        return message;
    }
}
