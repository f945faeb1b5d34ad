package dev.closewait.it;

import dev.closewait.demo.run.TdsStandInDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.closewait.it.EndToEnd.assumePresent;

/**
 * The demo's scenario end to end, as {@code ./mvnw -q -Pdemo verify} runs it without Docker: the
 * orders service under the built agent jar, against the TDS stand-in (not SQL Server), leaky and
 * fixed, on every JDK. {@link OrdersDemoSqlServerEndToEndTest} makes the same checks against real
 * SQL Server.
 *
 * <p>Each run spends most of its half minute waiting on mssql-jdbc's idle clock, so all runs start
 * together before the tests (each with its own stand-in, service JVM and files); each test checks
 * one run. No other test class runs meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrdersDemoEndToEndTest {

    private static final long RUN_TIMEOUT_MINUTES = 2;

    private final ExecutorService runner = Executors.newCachedThreadPool();
    private final Map<String, Future<OrdersDemoRun>> runs = new HashMap<>();

    @BeforeAll
    void startEveryRun(@TempDir Path work) {
        for (Jdk jdk : Jdk.all()) {
            for (boolean fixed : new boolean[] {false, true}) {
                if (jdk.present()) {
                    Path dir = work.resolve(key(jdk, fixed));
                    runs.put(key(jdk, fixed), runner.submit(() -> {
                        try (TdsStandInDatabase standIn = TdsStandInDatabase.start(OrdersDemoRun.PASSWORD, line -> { })) {
                            return OrdersDemoRun.run(standIn, jdk, dir, fixed);
                        }
                    }));
                }
            }
        }
    }

    @AfterAll
    void stopRunner() {
        runner.shutdownNow();
    }

    @AcrossJdks
    void reportsEverySocketMssqlJdbcAbandonsBehindHikariCpAfterTheFailedLogin(Jdk jdk) throws Exception {
        assumePresent(jdk);
        finished(jdk, false).assertEveryPooledSocketReportedWithItsFailedLogin();
    }

    @AcrossJdks
    void fixedServiceLeavesNoSocketBehindAndReportsTheFailedLogin(Jdk jdk) throws Exception {
        assumePresent(jdk);
        finished(jdk, true).assertNoSocketLeftBehind();
    }

    private OrdersDemoRun finished(Jdk jdk, boolean fixed) throws Exception {
        try {
            return runs.get(key(jdk, fixed)).get(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception failure) {
                throw failure;
            }
            throw e;
        }
    }

    private static String key(Jdk jdk, boolean fixed) {
        return (fixed ? "fixed-" : "leak-") + jdk.label().replaceAll("[^A-Za-z0-9]+", "-");
    }
}
