package dev.closewait.it;

import dev.closewait.demo.run.SqlServerContainerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.nio.file.Path;

/**
 * The demo's scenario against real SQL Server ({@value SqlServerContainerDatabase#IMAGE} through
 * Testcontainers' {@code MSSQLServerContainer}), with the checks of {@link OrdersDemoEndToEndTest}.
 * Needs Docker: without it the class is skipped, and {@link dev.closewait.testing.SkipReasonPrinter} prints why. The
 * service runs on the JDK running the tests; the stand-in test covers the other JDKs.
 */
@Testcontainers(disabledWithoutDocker = true)
class OrdersDemoSqlServerEndToEndTest {

    private static final Jdk JDK = Jdk.running();

    @Test
    void reportsEverySocketMssqlJdbcAbandonsBehindHikariCpAfterTheFailedLogin(@TempDir Path work) throws Exception {
        try (SqlServerContainerDatabase sqlServer = SqlServerContainerDatabase.start(OrdersDemoRun.PASSWORD)) {
            OrdersDemoRun.run(sqlServer, JDK, work, false).assertEveryPooledSocketReportedWithItsFailedLogin();
        }
    }

    @Test
    void fixedServiceLeavesNoSocketBehindAndReportsTheFailedLogin(@TempDir Path work) throws Exception {
        try (SqlServerContainerDatabase sqlServer = SqlServerContainerDatabase.start(OrdersDemoRun.PASSWORD)) {
            OrdersDemoRun.run(sqlServer, JDK, work, true).assertNoSocketLeftBehind();
        }
    }
}
