package dev.closewait.it.injvm;

import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs this package's {@code *Test} classes in this JVM, which {@code InJvmSuiteEndToEndTest}
 * starts under the agent on each JDK, and exits 0 only if at least one ran and none failed.
 * Writes JUnit's XML report to the directory given as the only argument and prints the summary
 * and the failures.
 */
public final class InJvmSuite {

    private InJvmSuite() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: InJvmSuite REPORTS_DIR");
            System.exit(2);
        }
        Path reports = Files.createDirectories(Path.of(args[0]));
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage(InJvmSuite.class.getPackageName()))
                .filters(ClassNameFilter.includeClassNamePatterns(".*Test"))
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, new LegacyXmlReportGeneratingListener(reports, out));
        TestExecutionSummary result = summary.getSummary();
        result.printTo(out);
        result.printFailuresTo(out, 40);
        out.flush();
        System.exit(result.getTestsSucceededCount() > 0 && result.getTotalFailureCount() == 0 ? 0 : 1);
    }
}
