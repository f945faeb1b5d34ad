package dev.closewait.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A JDK the end-to-end tests run scenarios on: JDK 17, which is the one running the tests by default
 * (on another JDK, a JDK 17 found in {@code /usr/lib/jvm} or named by {@code -Dclosewait.jdk17=/path}),
 * and a JDK 25 found the same way ({@code -Dclosewait.jdk25=/path}). A missing JDK is still listed, so
 * its leg shows up as skipped with the reason rather than vanishing.
 */
public record Jdk(String label, Path home, String missingReason) {

    private static final Path JVM_DIR = Path.of("/usr/lib/jvm");

    /** For {@code @MethodSource(Jdk.ALL)}: a test runs once per JDK of {@link #all()}. */
    public static final String ALL = "dev.closewait.it.Jdk#all";

    /** The JDK the first leg is for: the oldest the tests' own code and the build support. */
    static final int FIRST_LEG = 17;

    /** Said once per JVM when the tests do not run on JDK 17. */
    private static boolean firstLegNoted;

    /** The JDKs every end-to-end test runs on: JDK 17 and JDK 25. */
    public static List<Jdk> all() {
        List<Jdk> jdks = new ArrayList<>();
        jdks.add(firstLeg());
        jdks.add(find(25));
        return jdks;
    }

    /** The JDK running the tests: for separate-JVM tests whose subject does not differ between JDKs. */
    public static Jdk running() {
        int feature = Runtime.version().feature();
        return new Jdk("JDK " + feature + " (running the tests)", Path.of(System.getProperty("java.home")), null);
    }

    /**
     * JDK 17: the one running the tests where it is 17 (the default); otherwise one found as JDK 25 is,
     * and where there is none the leg is skipped, saying so, rather than run on the same JDK as the other.
     */
    static Jdk firstLeg() {
        Jdk running = running();
        if (Runtime.version().feature() == FIRST_LEG) {
            return running;
        }
        Jdk found = find(FIRST_LEG);
        synchronized (Jdk.class) {
            if (!firstLegNoted) {
                firstLegNoted = true;
                System.out.println("[it-tests] the tests run on " + running.home() + " (JDK " + Runtime.version().feature()
                        + "), not JDK " + FIRST_LEG + ": " + (found.present()
                        ? "the JDK " + FIRST_LEG + " leg runs on " + found.home()
                        : "SKIPPED: " + found.missingReason()));
            }
        }
        return found;
    }

    /** The java launcher. */
    public Path java() {
        return home.resolve("bin").resolve("java");
    }

    /** A tool of this JDK, such as keytool. */
    public Path tool(String name) {
        return home.resolve("bin").resolve(name);
    }

    /** The feature version (17, 25), from the JDK's {@code release} file; -1 if unknown. */
    public int feature() {
        return feature(home);
    }

    /** Whether this JDK exists here; tests skip its leg with {@link #missingReason()} if not. */
    public boolean present() {
        return missingReason == null;
    }

    @Override
    public String toString() {
        return label;
    }

    static Jdk find(int feature) {
        String named = System.getProperty("closewait.jdk" + feature);
        if (named != null && !named.isBlank()) {
            Path home = Path.of(named);
            return Files.isExecutable(home.resolve("bin/java"))
                    ? new Jdk("JDK " + feature, home, null)
                    : new Jdk("JDK " + feature, home, "-Dclosewait.jdk" + feature + "=" + named + " has no bin/java");
        }
        Optional<Path> found = Optional.empty();
        if (Files.isDirectory(JVM_DIR)) {
            try (Stream<Path> dirs = Files.list(JVM_DIR)) {
                found = dirs.filter(dir -> !Files.isSymbolicLink(dir))
                        .filter(dir -> Files.isExecutable(dir.resolve("bin/java")))
                        .filter(dir -> feature(dir) == feature)
                        .sorted(Comparator.comparing(Path::toString))
                        .findFirst();
            } catch (IOException unreadable) {
                found = Optional.empty();
            }
        }
        return found.map(home -> new Jdk("JDK " + feature, home, null))
                .orElseGet(() -> new Jdk("JDK " + feature, JVM_DIR,
                        "no JDK " + feature + " found under " + JVM_DIR + " (or -Dclosewait.jdk" + feature
                                + "=<home>): the JDK " + feature + " leg is skipped"));
    }

    /** The feature version from the JDK's {@code release} file, or -1. */
    private static int feature(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    int dot = version.indexOf('.');
                    return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
                }
            }
        } catch (IOException | NumberFormatException unreadable) {
            return -1;
        }
        return -1;
    }
}
