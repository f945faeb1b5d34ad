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
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * JDBC churn: pgjdbc connects to the local PostgreSQL, runs {@code SELECT 1} and closes. The agent
 * instruments {@code Driver.connect}, {@code Connection.close} and the driver's socket.
 *
 * <p>At 3 ms an operation, pgjdbc's connect runs a few hundred times a second, so the JIT compiles
 * it over the fork's first 10 to 15 s: on 2 CPUs, one fork a side without warm-up took 3.8 to
 * 7.4 ms an operation in its first second and 2.3 to 3.2 ms from about its fifteenth on, with the
 * JIT's threads taking CPU from PostgreSQL's new backends meanwhile. The class asks for
 * {@value #WARMUP_SECONDS} s of warm-up, as {@link HttpKeepAliveBenchmark} does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Warmup(iterations = JdbcChurnBenchmark.WARMUP_SECONDS, time = 1)
public class JdbcChurnBenchmark {

    static final int WARMUP_SECONDS = 20;

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
