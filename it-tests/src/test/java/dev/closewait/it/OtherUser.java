package dev.closewait.it;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway system user ({@code closewait-<role>-<random>}, no home, no login shell) standing for
 * another local user of a shared host. Made with {@code useradd}, removed with {@code userdel} by
 * {@link #close()}, which the tests call whatever happened. Needs root; {@link #unavailableReason()}
 * says why not.
 */
public final class OtherUser implements AutoCloseable {

    private final String name;

    private OtherUser(String name) {
        this.name = name;
    }

    /** Why this machine cannot make such a user, or {@code null} if it can. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the tests run as " + System.getProperty("user.name") + ", not root: no second user can be made";
        }
        if (!new java.io.File("/usr/sbin/useradd").canExecute() || !new java.io.File("/usr/sbin/runuser").canExecute()) {
            return "useradd or runuser is missing";
        }
        return null;
    }

    /** A new user named for its {@code role} in the test, such as {@code racer}. */
    public static OtherUser create(String role) throws IOException, InterruptedException {
        String name = "closewait-" + role + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24));
        run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name));
        return new OtherUser(name);
    }

    public String name() {
        return name;
    }

    /** {@code command} as this user. */
    public List<String> runAs(List<String> command) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("runuser", "-u", name, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Removes the user (its processes must have ended). */
    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of("userdel", name));
        KilledJvm.removePerfDataOf(name);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + " failed: " + out);
        }
    }
}
