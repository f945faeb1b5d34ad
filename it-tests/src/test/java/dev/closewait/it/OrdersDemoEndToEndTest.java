package dev.closewait.it;

import dev.closewait.demo.run.TdsStandInDatabase;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static dev.closewait.it.SocketLeakEndToEndTest.assumePresent;

/**
 * The demo's scenario end to end, as {@code ./mvnw -q -Pdemo verify} runs it without Docker: the
 * orders service under the built agent jar, against the TDS stand-in (not SQL Server), leaky and
 * fixed. {@link OrdersDemoSqlServerEndToEndTest} runs the same checks against real SQL Server.
 *
 * <p>Each run waits about 16 s on mssql-jdbc's idle clock, so the runs overlap: this class's tests
 * run concurrently (each with its own stand-in, service JVM and files).
 */
@Execution(ExecutionMode.CONCURRENT)
class OrdersDemoEndToEndTest {

    static List<Jdk> jdks() {
        return Jdk.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void reportsEverySocketMssqlJdbcAbandonsBehindHikariCpAfterTheFailedLogin(Jdk jdk, @TempDir Path work)
            throws Exception {
        assumePresent(jdk);
        try (TdsStandInDatabase standIn = TdsStandInDatabase.start(OrdersDemoRun.PASSWORD, line -> { })) {
            OrdersDemoRun.run(standIn, jdk, work, false).assertEveryPooledSocketReportedWithItsFailedLogin();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void fixedServiceLeavesNoSocketBehindAndReportsTheFailedLogin(Jdk jdk, @TempDir Path work) throws Exception {
        assumePresent(jdk);
        try (TdsStandInDatabase standIn = TdsStandInDatabase.start(OrdersDemoRun.PASSWORD, line -> { })) {
            OrdersDemoRun.run(standIn, jdk, work, true).assertNoSocketLeftBehind();
        }
    }
}
