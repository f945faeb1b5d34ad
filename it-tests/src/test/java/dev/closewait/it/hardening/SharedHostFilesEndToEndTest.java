package dev.closewait.it.hardening;

import dev.closewait.it.Jdk;
import dev.closewait.it.KilledJvm;
import dev.closewait.it.OtherUser;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import dev.closewait.it.hardening.scenarios.Racer;
import dev.closewait.it.scenarios.PlainSocketLeak;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.closewait.it.hardening.Hostile.EXIT;
import static dev.closewait.it.hardening.Hostile.FAST;
import static dev.closewait.it.hardening.Hostile.REPORTED;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static dev.closewait.it.hardening.Hostile.mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent's files on a shared host: a second local user racing its temporary files under umask
 * 000, leftovers of killed JVMs, links and directories planted where it writes, a full disk, and
 * option values quoted to hold a comma. Each JVM runs the built, shaded agent.
 */
class SharedHostFilesEndToEndTest {

    private static OtherUser racer;
    private static String noRacer;
    /** A directory like /tmp: everyone may write, the sticky bit set. */
    private static Path shared;
    private static Path racerClasses;

    @TempDir
    Path work;

    @BeforeAll
    static void makeTheOtherUser() throws Exception {
        noRacer = OtherUser.unavailableReason();
        if (noRacer == null) {
            racer = OtherUser.create("racer");
            shared = Files.createTempDirectory("cw-hardening-shared-");
            chmod("1777", shared);
            // The racer's class alone, where that user can read it.
            racerClasses = shared.resolve("racer-classes");
            String name = Racer.class.getName().replace('.', '/') + ".class";
            Path target = racerClasses.resolve(name);
            Files.createDirectories(target.getParent());
            Files.copy(Path.of(Racer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(name),
                    target);
            for (Path p = target; !p.equals(shared); p = p.getParent()) {
                chmod(Files.isDirectory(p) ? "755" : "644", p);
            }
        }
    }

    @AfterAll
    static void removeTheOtherUser() throws Exception {
        try {
            if (shared != null) {
                deleteTree(shared);
            }
        } finally {
            if (racer != null) {
                racer.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aRacingUserWritesNothingUnderUmask000AndTheAgentsFilesAreOwnerOnly(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeTrue(noRacer == null, noRacer);
        Path tmp = Files.createDirectory(shared.resolve("tmp-" + jdk.feature()));
        chmod("1777", tmp);
        Process racing = new ProcessBuilder(racer.runAs(List.of(jdk.java().toString(), "-XX:-UsePerfData", "-cp",
                racerClasses.toString(), Racer.class.getName(), tmp.toString()))).redirectErrorStream(true).start();
        List<String> said = Collections.synchronizedList(new ArrayList<>());
        boolean netlink;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(racing.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertTrue(ready != null && ready.equals("READY " + racer.name()), "the racer did not start: " + ready);
            Thread reader = new Thread(() -> out.lines().forEach(said::add));
            reader.setDaemon(true);
            reader.start();

            Path report = work.resolve("leaks.json");
            Path log = work.resolve("agent.log");
            List<String> jvm = new ArrayList<>(List.of("-Djava.io.tmpdir=" + tmp));
            if (jdk.feature() >= 22) {
                jvm.add("--enable-native-access=ALL-UNNAMED"); // so that the netlink library is written too
            }
            List<String> command = Hostile.underUmask000(Hostile.java(jdk, FAST + ",report=" + report + ",log=" + log,
                    jvm, PlainSocketLeak.class));
            try (ScenarioProcess app = ScenarioProcess.start(command, work, report)) {
                app.awaitStep("leaked", REPORTED);
                int port = app.intResult("clientPort");
                app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
                // The netlink library is the one file written (the bridge is defined in memory; its jar
                // only where that fails). A jar built without gcc has none: then nothing is there to race.
                netlink = Files.readString(log).contains("TCP states from netlink");
                if (!netlink) {
                    System.out.println("[it-tests] " + jdk + ": no netlink library loaded, nothing written to race: "
                            + Files.readString(log).lines().filter(l -> l.contains("TCP states")).findFirst().orElse(""));
                }
                assertFalse(Files.readString(log).contains("appended to the bootstrap class path"), log::toString);
                app.proceed();
                assertEquals(0, app.awaitExit(EXIT), app::describe);
                assertEquals("OPEN", app.finalReport().leakWithLocalPort(port).path("status").asText());
                assertEquals("rw-------", mode(report), "the report, under umask 000");
                assertEquals("rw-------", mode(log), "the log, under umask 000");
            }
            Thread.sleep(500); // the racer's last tries
            racing.getOutputStream().close();
            assertTrue(racing.waitFor(30, TimeUnit.SECONDS), "the racer did not stop");
            reader.join(5000);
        } finally {
            KilledJvm.killWithDescendants(racing); // the racer JVM first: SIGKILL on runuser alone leaves it running
        }
        List<String> seen = said.stream().filter(l -> l.startsWith("SEEN ")).collect(Collectors.toList());
        String summary = said.stream().filter(l -> l.startsWith("SUMMARY ")).findFirst().orElse("no summary: " + said);
        System.out.println("[it-tests] " + jdk + ": the racer " + summary + "; " + seen);
        assertTrue(summary.endsWith(" wrote=0"), () -> "the racer got in: " + said);
        assertTrue(said.stream().noneMatch(l -> l.startsWith("WROTE ")), said::toString);
        assertTrue(seen.size() >= (netlink ? 1 : 0), () -> "the racer saw the netlink library's directory: " + said);
        for (String line : seen) {
            assertTrue(line.matches("SEEN closewait-[0-9a-f]{12}-\\d+-\\d+-[0-9a-f]+ (700 root|gone)"), line);
        }
        assertEquals(List.of(), closewaitEntries(tmp), "nothing is left after a normal exit");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void aStartRemovesThisUsersLeftoversOfKilledJvmsAndNothingElse(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeTrue(noRacer == null, noRacer);
        Path tmp = Files.createDirectory(shared.resolve("leftovers-" + jdk.feature()));
        chmod("1777", tmp);
        String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim().replace("-", "").substring(0, 12);
        List<String> jvm = List.of("-Djava.io.tmpdir=" + tmp);
        Set<String> killed = new TreeSet<>();
        for (int kill = 0; kill < 3; kill++) {
            // SIGKILL at different moments of the agent's start; each leaves the directory it was using
            Process doomed = new ProcessBuilder(Hostile.java(jdk, FAST, jvm, PlainSocketLeak.class))
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("killed.txt").toFile())
                    .start();
            Thread.sleep(100 + 200L * kill);
            String ticks = startTicks(doomed.pid());
            KilledJvm.kill(doomed); // SIGKILL: no shutdown hook runs; the JVM's own /tmp files are removed
            assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));
            Path left = Files.createDirectory(tmp.resolve("closewait-" + boot + "-" + doomed.pid() + "-" + ticks + "-dead" + kill));
            Files.writeString(left.resolve("closewait-boot.jar"), "half written");
            killed.add(left.getFileName().toString());
        }
        long me = ProcessHandle.current().pid();
        Path live = Files.createDirectory(tmp.resolve("closewait-" + boot + "-" + me + "-" + startTicks(me) + "-live"));
        Path othersDead = Files.createDirectory(tmp.resolve("closewait-" + boot + "-99999999-1-other"));
        chown(racer.name(), othersDead);
        Path oldStyle = Files.writeString(tmp.resolve("closewait-boot-0123abcd.jar"), "old");
        Files.setLastModifiedTime(oldStyle, FileTime.fromMillis(System.currentTimeMillis() - 20 * 60_000));
        Path freshOldStyle = Files.writeString(tmp.resolve("closewait-netlink-0123abcd.so"), "in use");
        List<String> before = closewaitEntries(tmp);

        Path report = work.resolve("leaks.json");
        try (ScenarioProcess app = ScenarioProcess.start(Hostile.java(jdk, FAST + ",report=" + report, jvm,
                PlainSocketLeak.class), work, report)) {
            app.awaitStep("leaked", REPORTED);
            long deadline = System.nanoTime() + REPORTED.toNanos();
            while (closewaitEntries(tmp).stream().anyMatch(killed::contains) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
        List<String> after = closewaitEntries(tmp);
        System.out.println("[it-tests] " + jdk + ": /tmp-like closewait-* entries before a start " + before.size()
                + " " + before + ", after it and its exit " + after.size() + " " + after);
        assertEquals(new TreeSet<>(List.of(live.getFileName().toString(), othersDead.getFileName().toString(),
                freshOldStyle.getFileName().toString())), new TreeSet<>(after),
                "left: a live JVM's directory, another user's, a recent file; gone: the killed JVMs' and an old file");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void plantedLinksAndDirectoriesAreNeverFollowedAndDoNotStopTheApplication(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path precious = Files.writeString(work.resolve("root-owned.conf"), "root's own\n");
        chmod("644", precious);
        Path reports = Files.createDirectory(work.resolve("reports"));
        chmod("1777", reports);
        Path report = reports.resolve("leaks.json");
        Path log = reports.resolve("agent.log");
        // Planted before the JVM starts, at the report's own path and at every temporary name agents
        // used or could guess ($$ is the shell's pid, the JVM's after exec): links to the root-owned
        // file, and a directory.
        String plant = "ln -s " + precious + " " + report + "; ln -s " + precious + " " + reports + "/.leaks.json.$$.tmp; "
                + "ln -s " + precious + " " + reports + "/leaks.json.tmp; mkdir " + reports + "/.leaks.json.tmp; umask 000; ";
        List<String> command = new ArrayList<>(List.of("sh", "-c", plant + "exec \"$0\" \"$@\""));
        command.addAll(Hostile.java(jdk, FAST + ",report=" + report + ",log=" + log, List.of(), PlainSocketLeak.class));
        try (ScenarioProcess app = ScenarioProcess.start(command, work, report)) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
        }
        assertEquals("root's own\n", Files.readString(precious), "the planted links were not written through");
        assertFalse(Files.isSymbolicLink(report), "the link at the report's path was replaced by the report");
        assertEquals("rw-------", mode(report));
        assertEquals("rw-------", mode(log));
        assertTrue(Files.isDirectory(reports.resolve(".leaks.json.tmp")), "the planted directory is left alone");
        assertTrue(Files.isSymbolicLink(reports.resolve("leaks.json.tmp")));

        // A link planted at log=: refused at start-up (status 2, as any log that cannot be opened), not followed.
        Path linkedLog = Files.createSymbolicLink(reports.resolve("linked.log"), precious);
        try (ScenarioProcess refused = ScenarioProcess.start(jdk, work, PlainSocketLeak.class, "log=" + linkedLog)) {
            assertEquals(2, refused.awaitExit(EXIT), refused::describe);
            assertTrue(refused.stderr().contains("cannot write the log file " + linkedLog + " (option 'log'): it is a"
                    + " symbolic link, which closewait does not follow"), refused::describe);
        }
        assertEquals("root's own\n", Files.readString(precious), "the link at log= was not followed");
    }

    private static List<String> closewaitEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("closewait")).sorted()
                    .collect(Collectors.toList());
        }
    }

    /** Field 22 of /proc/PID/stat. */
    static String startTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    }

    static void chmod(String mode, Path path) throws Exception {
        command("chmod", mode, path.toString());
    }

    private static void chown(String user, Path path) throws Exception {
        command("chown", user, path.toString());
    }

    private static void deleteTree(Path root) throws Exception {
        command("rm", "-rf", "--one-file-system", root.toString());
    }

    private static void command(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + out);
    }
}
