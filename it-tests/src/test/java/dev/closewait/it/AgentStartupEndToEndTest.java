package dev.closewait.it;

import dev.closewait.it.scenarios.ExitAfterLeak;
import dev.closewait.it.scenarios.FaultyApplicationCode;
import dev.closewait.it.scenarios.PlainSocketLeak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static dev.closewait.it.EndToEnd.EXIT;
import static dev.closewait.it.EndToEnd.REPORTED;
import static dev.closewait.it.EndToEnd.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up as users meet it: bad options, paths that cannot be written, the log option, faults. */
class AgentStartupEndToEndTest {

    @TempDir
    Path work;

    @AcrossJdks
    void unknownOptionStopsTheJvmWithStatus2AndListsValidOptionsWithoutCrashDump(Jdk jdk) throws Exception {
        assumePresent(jdk);
        StartupRun run = startWith(jdk, "intervl=5s");
        assertEquals(2, run.status, run.stderr);
        assertTrue(run.stderr.contains("unknown option 'intervl'"), run.stderr);
        assertTrue(run.stderr.contains("Valid options: interval="), run.stderr);
        for (String option : List.of("interval=", "grace=", "report=", "log=")) {
            assertTrue(run.stderr.contains(option), option + " is listed: " + run.stderr);
        }
        assertFalse(run.stdout.contains("RESULT"), "the application's main never ran");
        assertNoCrash(run);
    }

    @Test
    void malformedDurationNamesTheKeyAndTheValue() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: an unknown option's exit path; the message is the parser's.
        StartupRun run = startWith(jdk, "grace=10");
        assertEquals(2, run.status, run.stderr);
        assertTrue(run.stderr.contains("option 'grace' has a malformed duration '10'"), run.stderr);
        assertTrue(run.stderr.contains("250ms, 2s, 1m"), run.stderr);
        assertNoCrash(run);
    }

    @Test
    void reportPathThatCannotBeWrittenStopsTheJvmWithAClearMessage() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: the same exit path as an unknown option.
        Path missing = work.resolve("no-such-dir").resolve("leaks.json");
        StartupRun run = startWith(jdk, "report=" + missing);
        assertEquals(2, run.status, run.stderr);
        assertTrue(run.stderr.contains(missing.getParent().toString()) && run.stderr.contains("'report'"), run.stderr);
        assertTrue(run.stderr.contains("does not exist"), run.stderr);

        Path aFile = Files.writeString(work.resolve("a-file"), "x");
        run = startWith(jdk, "report=" + aFile.resolve("leaks.json"));
        assertEquals(2, run.status, run.stderr);
        assertTrue(run.stderr.contains("'report'"), run.stderr);
        assertNoCrash(run);
    }

    @Test
    void logOptionSendsFindingsToAFileOrNowhere() throws Exception {
        Jdk jdk = Jdk.running(); // One JDK: where the agent writes does not depend on the JDK.
        Path log = work.resolve("closewait.log");
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, PlainSocketLeak.class,
                "interval=200ms,grace=1s,log=" + log)) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            String text = Files.readString(log);
            assertTrue(text.contains("is watching this JVM's sockets"), text);
            assertTrue(text.contains("LEAK #"), text);
            assertTrue(text.contains("=> dev.closewait.it.scenarios.PlainSocketLeak.openOrderConnection("), text);
            assertTrue(text.contains("[closewait] summary: "), text);
            assertFalse(app.stderr().contains("[closewait]"), "nothing on stderr: " + app.stderr());
        }
        Path quiet = Files.createDirectories(work.resolve("quiet"));
        try (ScenarioProcess app = ScenarioProcess.start(jdk, quiet, PlainSocketLeak.class,
                "interval=200ms,grace=1s,log=off")) {
            app.awaitStep("leaked", REPORTED);
            int port = app.intResult("clientPort");
            app.awaitReport(r -> r.hasLeak(port, "OPEN"), REPORTED);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            assertFalse(app.stderr().contains("[closewait]"), app.stderr());
        }
    }

    @AcrossJdks
    void internalFaultTurnsTheAgentOffWithOneWarningAndTheApplicationRunsOn(Jdk jdk) throws Exception {
        assumePresent(jdk);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, FaultyApplicationCode.class, "interval=200ms")) {
            app.awaitStep("faulted", EXIT);
            Cli.Run report = Cli.run(jdk, "report", app.result("pid"));
            assertEquals(2, report.status(), report.describe());
            assertTrue(report.err().contains("gave no report: it turned itself off"), report.describe());
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);
            assertEquals("true", app.result("hostileConnected"));
            assertEquals("true", app.result("driverAnswered"), "the driver's connect returned as without the agent");
            assertEquals("20", app.result("connectsAfterFault"));
            assertEquals("false", app.result("scannerAlive"), "the scanner thread ended when the agent turned itself off");
            assertEquals("0", app.result("epollAfterFault"), "the peer-close watch's descriptor was closed");
            String stderr = app.stderr();
            long warnings = stderr.lines().filter(l -> l.contains("WARNING")).count();
            assertEquals(1, warnings, stderr);
            assertTrue(stderr.contains("turned itself off; the application is not affected"), stderr);
            assertTrue(stderr.contains("Cause: java.lang.IllegalStateException (its message left out: thrown by "
                    + FaultyApplicationCode.class.getName() + "$HostileProperties, not by closewait)"), stderr);
            assertFalse(stderr.contains("sk_live_51HxSecretValue") || stderr.contains("refuses to tell its address"),
                    "no text of the application's: " + stderr);
            assertFalse(stderr.contains("summary:"), "a disabled agent writes no summary: " + stderr);
            if (stderr.contains("peers' closes heard through epoll")) {
                assertEquals("1", app.result("epollAtStart"), "the watch was open before the fault: " + stderr);
            }
        }
    }

    /**
     * The agent defines its bridge in the bootstrap class loader without appending to the boot class
     * path, so the JVM says nothing and goes on sharing archived application classes (CDS): an
     * application's own archive, made without the agent, still serves its main class with the agent
     * on. On JDK 25 an appended boot path made the main class load from its jar instead.
     */
    @AcrossJdks
    void theJvmPrintsNoWarningAndKeepsSharingTheApplicationsArchivedClasses(Jdk jdk) throws Exception {
        assumePresent(jdk);
        Path jar = scenariosJar();
        Path archive = work.resolve("app.jsa");
        String main = ExitAfterLeak.class.getName();
        StartupRun dump = run(List.of(jdk.java().toString(), "-XX:ArchiveClassesAtExit=" + archive,
                "-cp", jar.toString(), main, "clean-return"));
        assertEquals(0, dump.status, dump.stderr);
        assertTrue(Files.size(archive) > 0, "the archive was written: " + dump.stdout);

        StartupRun shared = run(List.of(jdk.java().toString(), "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load=info", "-javaagent:" + ScenarioProcess.agentJar() + "=log=stderr",
                "-cp", jar.toString(), main, "clean-return"));
        assertEquals(0, shared.status, shared.stderr);
        assertTrue(shared.stderr.contains("[closewait] summary: "), "the agent ran: " + shared.stderr);
        String output = shared.stdout + shared.stderr;
        // JDK 25 also logs that -javaagent's java.instrument was not in the archive's modules: any agent's.
        assertFalse(output.contains("Sharing is only supported") || output.contains("bootstrap classpath"), output);
        assertFalse(output.contains("[closewait] WARNING"), output);
        assertTrue(shared.stdout.lines().anyMatch(line -> line.endsWith("] " + main + " source: shared objects file (top)")),
                "the main class comes from the application's archive: " + shared.stdout.lines()
                        .filter(line -> line.contains(main)).findFirst().orElse("(not loaded?)"));
    }

    /** A second {@code -javaagent:} of closewait (two build plugins adding it) says it is running already, and costs no class sharing. */
    @AcrossJdks
    void aSecondJavaagentOfClosewaitSaysItRunsAlreadyAndTheJvmKeepsSharing(Jdk jdk) throws Exception {
        assumePresent(jdk);
        StartupRun twice = run(List.of(jdk.java().toString(), "-javaagent:" + ScenarioProcess.agentJar() + "=log=stderr",
                "-javaagent:" + ScenarioProcess.agentJar() + "=grace=2s", "-cp", scenariosJar().toString(),
                ExitAfterLeak.class.getName(), "clean-return"));
        assertEquals(0, twice.status, twice.stderr);
        assertTrue(twice.stderr.contains("[closewait] already running in this JVM: not instrumenting twice"), twice.stderr);
        assertFalse((twice.stdout + twice.stderr).contains("Sharing is only supported"), twice.stderr);
        assertFalse(twice.stderr.contains("[closewait] WARNING"), twice.stderr);
    }

    /**
     * JDK 25's AOT cache, made as docs/troubleshooting.md says: with the same {@code -javaagent:}
     * option in the training runs as in the runs that use the cache. The application's main class
     * then loads from the cache, the JDK's socket classes from the JDK (the JVM leaves out of the
     * cache what an agent's hook saw, and says so), and the agent still weaves them and reports
     * the leak. A cache made without the agent is refused with the message the docs quote, and the
     * agent works all the same. JDK 25 only: JDK 17 has no AOT cache.
     */
    @Test
    void anAotCacheMadeWithTheAgentServesTheApplicationsClassesAndTheAgentStillFindsTheLeak() throws Exception {
        Jdk jdk = Jdk.find(25);
        assumePresent(jdk);
        Path jar = scenariosJar();
        String main = ExitAfterLeak.class.getName();
        String agent = "-javaagent:" + ScenarioProcess.agentJar() + "=log=stderr";

        Path cache = aotCache(jdk, jar, main, "with-agent", agent);
        StartupRun cached = run(List.of(jdk.java().toString(), "-XX:AOTCache=" + cache, "-Xlog:class+load=info",
                agent, "-cp", jar.toString(), main, "return-soon"));
        assertEquals(0, cached.status, cached.stderr);
        assertFalse(cached.stdout.contains("[error][aot]"), "the cache is used: " + cached.stdout);
        assertTrue(loadedFrom(cached, main).endsWith("source: shared objects file"), loadedFrom(cached, main));
        assertTrue(loadedFrom(cached, "java.net.Socket").endsWith("lib/modules"), loadedFrom(cached, "java.net.Socket"));
        assertFindsTheLeak(cached);

        Path plain = aotCache(jdk, jar, main, "without-agent", null);
        StartupRun refused = run(List.of(jdk.java().toString(), "-XX:AOTCache=" + plain, "-Xlog:class+load=info",
                agent, "-cp", jar.toString(), main, "return-soon"));
        assertEquals(0, refused.status, refused.stderr);
        assertTrue(refused.stdout.contains("[error][aot] Mismatched values for property jdk.module.addmods: java.instrument"),
                "the JDK's message that docs/troubleshooting.md quotes: " + refused.stdout.lines()
                        .filter(line -> line.contains("[aot]")).findFirst().orElse("(none)"));
        assertFalse(loadedFrom(refused, main).endsWith("source: shared objects file"), loadedFrom(refused, main));
        assertFindsTheLeak(refused);
    }

    /** Trains and creates an AOT cache in two steps, as docs/troubleshooting.md does; {@code agent} may be null. */
    private Path aotCache(Jdk jdk, Path jar, String main, String name, String agent) throws Exception {
        Path configuration = work.resolve(name + ".aotconf");
        Path cache = work.resolve(name + ".aot");
        List<String> agentOption = agent == null ? List.of() : List.of(agent);
        List<String> application = List.of("-cp", jar.toString(), main, "return-soon");

        List<String> record = new ArrayList<>(List.of(jdk.java().toString(), "-XX:AOTMode=record",
                "-XX:AOTConfiguration=" + configuration));
        record.addAll(agentOption);
        record.addAll(application);
        StartupRun training = run(record);
        assertEquals(0, training.status, "record: " + training.stdout + training.stderr);
        if (agent != null) {
            assertTrue(training.stdout.contains("Skipping java/net/Socket: From ClassFileLoadHook"),
                    "the JDK's message that docs/troubleshooting.md quotes: " + training.stdout.lines()
                            .filter(line -> line.contains("java/net/Socket")).findFirst().orElse("(none)"));
        }

        List<String> create = new ArrayList<>(List.of(jdk.java().toString(), "-XX:AOTMode=create",
                "-XX:AOTConfiguration=" + configuration, "-XX:AOTCache=" + cache));
        create.addAll(agentOption);
        create.addAll(application);
        StartupRun creation = run(create);
        assertEquals(0, creation.status, "create: " + creation.stdout + creation.stderr);
        assertTrue(Files.size(cache) > 0, "the cache was written: " + cache);
        return cache;
    }

    /** The class+load log line of {@code className}. */
    private static String loadedFrom(StartupRun run, String className) {
        return run.stdout.lines().filter(line -> line.contains("] " + className + " source: ")).findFirst()
                .orElse(className + " not loaded? " + run.stdout.lines().count() + " lines of class+load");
    }

    private static void assertFindsTheLeak(StartupRun run) {
        assertTrue(run.stderr.contains(", 1 leak (1 OPEN)"), run.stderr);
        assertTrue(run.stderr.contains("=> " + ExitAfterLeak.class.getName() + ".openAndForget("), run.stderr);
        assertFalse(run.stderr.contains("[closewait] WARNING"), run.stderr);
        assertTrue(run.stdout.contains("RESULT applicationHook=done"), "the application ran to its end: " + run.stdout);
    }

    /** The scenarios' classes in a jar: class data sharing and AOT caches take jars only, not a directory of classes. */
    private Path scenariosJar() throws Exception {
        Path jar = work.resolve("scenarios.jar");
        Path classes = Path.of(ExitAfterLeak.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path scenarios = classes.resolve(ExitAfterLeak.class.getPackageName().replace('.', '/'));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.list(scenarios)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
        return jar;
    }

    private record StartupRun(int status, String stdout, String stderr, Path dir) {
    }

    private StartupRun startWith(Jdk jdk, String options) throws Exception {
        return run(List.of(jdk.java().toString(),
                "-javaagent:" + ScenarioProcess.agentJar() + "=" + options,
                "-cp", System.getProperty("closewait.scenario.classpath", "target/test-classes"),
                PlainSocketLeak.class.getName()));
    }

    private StartupRun run(List<String> command) throws Exception {
        Path dir = Files.createTempDirectory(work, "run");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
        process.getOutputStream().close();
        String stdout = new String(process.getInputStream().readAllBytes());
        String stderr = new String(process.getErrorStream().readAllBytes());
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return new StartupRun(process.exitValue(), stdout, stderr, dir);
    }

    private static void assertNoCrash(StartupRun run) throws Exception {
        assertFalse(run.stderr.contains("FATAL ERROR"), run.stderr);
        assertFalse(run.stderr.contains("at sun.instrument"), "no exception thrown out of premain: " + run.stderr);
        try (Stream<Path> files = Files.list(run.dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")
                    || f.getFileName().toString().startsWith("core")), "no crash dump in " + run.dir);
        }
    }
}
