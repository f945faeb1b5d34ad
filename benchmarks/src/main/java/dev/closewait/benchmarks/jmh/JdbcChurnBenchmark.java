package dev.closewait.benchmarks.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * JDBC churn: pgjdbc connects to the local PostgreSQL, runs {@code SELECT 1} and closes. The agent
 * instruments {@code Driver.connect}, {@code Connection.close} and the driver's socket.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class JdbcChurnBenchmark {

    /** System property with the JDBC URL (user and password in it); the suite passes it to the forks. */
    public static final String URL_PROPERTY = "closewait.bench.jdbcUrl";
    /** PostgreSQL on this machine, user {@code postgres} with trust authentication. */
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    private String url;

    @Setup(Level.Trial)
    public void checkServer() throws SQLException {
        url = System.getProperty(URL_PROPERTY, DEFAULT_URL);
        connectQueryClose(); // fails the trial at once if the server is not there
    }

    @Benchmark
    public int connectQueryClose() throws SQLException {
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT 1")) {
            result.next();
            return result.getInt(1);
        }
    }
}
