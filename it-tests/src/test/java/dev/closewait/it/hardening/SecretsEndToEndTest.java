package dev.closewait.it.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closewait.it.Cli;
import dev.closewait.it.Jdk;
import dev.closewait.it.Report;
import dev.closewait.it.ScenarioProcess;
import dev.closewait.it.hardening.scenarios.SecretUrls;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.closewait.it.hardening.Hostile.EXIT;
import static dev.closewait.it.hardening.Hostile.FAST;
import static dev.closewait.it.hardening.Hostile.REPORTED;
import static dev.closewait.it.hardening.Hostile.assertNoSecret;
import static dev.closewait.it.hardening.Hostile.assumePresent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Secrets in JDBC URLs, through real drivers, reach no output: not the JSON report, the text log,
 * the MBean (attributes, text and JSON reports), a JFR recording, nor {@code check}'s output.
 */
class SecretsEndToEndTest {

    /** Distinctive, so that a leak of any ten characters of one is found. */
    static final List<String> SECRETS = List.of(
            "Space Pw tail-K7q2Xw",   // 0 mssql-jdbc, unbraced with spaces (the stand-in's password)
            "OAuthKey-Hx81mPq3",      // 1 mssql-jdbc, unknown parameter OAuthPvtKey
            "Brace;Secret-Lw9v2R",    // 2 mssql-jdbc, {braced}
            "PgQuery-Tn4k8Zs1",       // 3 pgjdbc, ?password=
            "PgLeak-Vb3m7Qe9",        // 4 pgjdbc, the leaked session's password
            "Passcode-Jr6p1Yd4",      // 5 pgjdbc, unknown parameter passcode
            "Maria-Cs5n2Wf8",         // 6 MariaDB
            "MariaPass-Ug7t4Kx0",     // 7 MariaDB, unknown parameter passcode
            "MyKv-Fd2h9Lp6",          // 8 MySQL (host=...,password=...)
            "MyAddr-Qa8s3Nr5",        // 9 MySQL address=(...)(password=...)
            "My/Slash-Ez4g7Mv2",      // 10 MySQL userinfo holding '/'
            "Oracle Quoted-Py1c6Tb3"); // 11 Oracle-style "user"/"secret"@

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @MethodSource(Jdk.ALL)
    void secretsInJdbcUrlsOfRealDriversReachNoOutput(Jdk jdk) throws Exception {
        assumePresent(jdk);
        assumeTrue(Hostile.listening(5432) && Hostile.listening(3306),
                "PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) must be up for this test");
        Path recording = work.resolve("run.jfr");
        Path mbean = work.resolve("mbean.txt");
        Path secrets = Files.write(work.resolve("secrets.txt"), SECRETS);
        try (ScenarioProcess app = ScenarioProcess.start(jdk, work, SecretUrls.class, FAST,
                List.of("-XX:StartFlightRecording=filename=" + recording), mbean.toString(), secrets.toString())) {
            app.awaitStep("connected", EXIT);
            Report report = app.awaitReport(r -> r.leaks().stream().filter(l -> !l.path("jdbc").isNull()).count() >= 2,
                    REPORTED);
            app.proceed();
            app.awaitStep("dumped", EXIT);
            app.proceed();
            assertEquals(0, app.awaitExit(EXIT), app::describe);

            Report last = app.finalReport();
            String json = Files.readString(work.resolve("leaks.json"));
            System.out.println("[it-tests] " + jdk + " connects: " + app.describe().lines()
                    .filter(l -> l.startsWith("RESULT url=")).toList());
            // The agent saw every URL: the leaked sessions' and each failed connect's, masked.
            List<String> urls = new ArrayList<>();
            last.leaks().forEach(l -> urls.add(l.path("jdbc").path("url").asText()));
            last.jdbcConnectFailures().forEach(f -> urls.add(f.path("url").asText()));
            for (String prefix : List.of("jdbc:sqlserver://127.0.0.1:", "jdbc:postgresql://127.0.0.1:5432/postgres?user=",
                    "jdbc:mariadb://127.0.0.1:3306/mysql?user=", "jdbc:mysql://(host=127.0.0.1,port=3306,user=",
                    "jdbc:mysql://address=(host=127.0.0.1)(port=3306)(user=", "jdbc:mysql://****@127.0.0.1:3306/mysql",
                    "jdbc:oracle:thin:****@127.0.0.1:")) {
                assertTrue(urls.stream().anyMatch(u -> u.startsWith(prefix)), () -> "no URL " + prefix + "... in " + urls);
            }
            assertTrue(urls.stream().anyMatch(u -> u.contains("OAuthPvtKey=****")), urls::toString);
            assertTrue(urls.stream().anyMatch(u -> u.contains("passcode=****")), urls::toString);
            JsonNode sqlServerLeak = last.leaks().stream()
                    .filter(l -> l.path("jdbc").path("url").asText().startsWith("jdbc:sqlserver:")).findFirst().orElseThrow();
            assertEquals("app", sqlServerLeak.path("jdbc").path("user").asText(), sqlServerLeak::toString);

            Cli.Run check = Cli.run(jdk, "check", work.resolve("leaks.json").toString());
            assertEquals(1, check.status(), check::describe);

            // The agent's events; the JDK's own (a thrown exception's message, on JDK 25) are not the agent's to mask.
            Process print = new ProcessBuilder(jdk.tool("jfr").toString(), "print", "--categories", "closewait",
                    recording.toString())
                    .redirectErrorStream(true).start();
            String jfr = new String(print.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(print.waitFor(60, TimeUnit.SECONDS) && print.exitValue() == 0, jfr);
            assertTrue(jfr.split("dev\\.closewait\\.ConnectionLeak", -1).length > 2, "the recording holds the leaks: " + jfr);

            String mbeanText = Files.readString(mbean);
            assertTrue(mbeanText.contains("jdbc:postgresql://127.0.0.1:5432/postgres?user=****&password=****"), mbeanText);
            assertNoSecret("the JSON report", json, SECRETS, 10);
            assertNoSecret("the text log on stderr", app.stderr(), SECRETS, 10);
            assertNoSecret("the MBean's attributes and reports", mbeanText, SECRETS, 10);
            assertNoSecret("the agent's JFR events", jfr, SECRETS, 10);
            assertNoSecret("check's output", check.out() + check.err(), SECRETS, 10);
            System.out.println("[it-tests] " + jdk + ": " + urls.size() + " masked URLs, searched in a report of "
                    + json.length() + " chars, a log of " + app.stderr().length() + ", the MBean's " + mbeanText.length()
                    + ", a JFR print of " + jfr.length() + " and check's " + (check.out().length() + check.err().length()));
        }
    }
}
