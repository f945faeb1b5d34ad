package dev.closewait.maven;

import dev.closewait.agent.detect.Finding;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.report.JsonReport;
import dev.closewait.agent.tcp.Endpoint;
import dev.closewait.agent.tcp.TcpState;
import dev.closewait.agent.track.Origin;
import org.apache.maven.execution.DefaultMavenExecutionRequest;
import org.apache.maven.execution.DefaultMavenExecutionResult;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Build;
import org.apache.maven.model.Model;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/** A project, a session and a log for the mojos, without a Maven around them. */
final class MavenFixtures {

    private MavenFixtures() {
    }

    /** A jar project in {@code basedir}, its build directory target/, Surefire's default-test execution bound. */
    static MavenProject project(Path basedir) {
        Model model = new Model();
        model.setGroupId("com.example");
        model.setArtifactId("orders");
        model.setVersion("1.0");
        Build build = new Build();
        build.setDirectory(basedir.resolve("target").toString());
        model.setBuild(build);
        MavenProject project = new MavenProject(model);
        project.setFile(basedir.resolve("pom.xml").toFile());
        build.addPlugin(runner("maven-surefire-plugin", "default-test", "test"));
        return project;
    }

    static Plugin runner(String artifactId, String executionId, String goal) {
        Plugin plugin = new Plugin();
        plugin.setGroupId("org.apache.maven.plugins");
        plugin.setArtifactId(artifactId);
        PluginExecution execution = new PluginExecution();
        execution.setId(executionId);
        execution.addGoal(goal);
        plugin.addExecution(execution);
        return plugin;
    }

    static Xpp3Dom configuration(String name, String value) {
        Xpp3Dom configuration = new Xpp3Dom("configuration");
        Xpp3Dom child = new Xpp3Dom(name);
        child.setValue(value);
        configuration.addChild(child);
        return configuration;
    }

    @SuppressWarnings("deprecation")
    static MavenSession session(Date start, Properties userProperties) {
        DefaultMavenExecutionRequest request = new DefaultMavenExecutionRequest();
        request.setStartTime(start);
        request.setUserProperties(userProperties);
        return new MavenSession(null, null, request, new DefaultMavenExecutionResult());
    }

    static MavenSession session() {
        return session(new Date(), new Properties());
    }

    /** A report as a test JVM's agent writes it, with {@code leaks} leaks opened by com.example.StockTest. */
    static Path report(Path file, int leaks) throws IOException {
        List<Finding> findings = new ArrayList<>();
        for (int i = 1; i <= leaks; i++) {
            findings.add(Finding.builder(i).status(LeakStatus.OPEN).state(TcpState.CLOSE_WAIT).origin(Origin.CONNECT)
                    .local(Endpoint.of(InetAddress.getLoopbackAddress(), 50000 + i))
                    .remote(Endpoint.of(InetAddress.getLoopbackAddress(), 1433)).openedAt(1_000).closeWaitSince(2_000)
                    .thread("main").stack(List.of("java.base/java.net.Socket.<init>(Socket.java:319)",
                            "com.example.StockTest.openAndForget(StockTest.java:29)"))
                    .atExit(true).build());
        }
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            new JsonReport("0.1.0").write(new LeakReport(4242, 3_000, leaks + 1, leaks, 10_000, findings), out);
        }
        return file;
    }

    /** A {@link Log} that keeps what it was told, one "[LEVEL] text" line each. */
    static final class RecordingLog implements Log {
        final List<String> lines = new ArrayList<>();

        private void add(String level, CharSequence text) {
            lines.add("[" + level + "] " + text);
        }

        String text() {
            return String.join("\n", lines);
        }

        @Override public boolean isDebugEnabled() { return true; }
        @Override public void debug(CharSequence content) { add("DEBUG", content); }
        @Override public void debug(CharSequence content, Throwable error) { add("DEBUG", content); }
        @Override public void debug(Throwable error) { add("DEBUG", String.valueOf(error)); }
        @Override public boolean isInfoEnabled() { return true; }
        @Override public void info(CharSequence content) { add("INFO", content); }
        @Override public void info(CharSequence content, Throwable error) { add("INFO", content); }
        @Override public void info(Throwable error) { add("INFO", String.valueOf(error)); }
        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(CharSequence content) { add("WARNING", content); }
        @Override public void warn(CharSequence content, Throwable error) { add("WARNING", content); }
        @Override public void warn(Throwable error) { add("WARNING", String.valueOf(error)); }
        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(CharSequence content) { add("ERROR", content); }
        @Override public void error(CharSequence content, Throwable error) { add("ERROR", content); }
        @Override public void error(Throwable error) { add("ERROR", String.valueOf(error)); }
    }
}
