// One build, every way the tests' JVMs leak: Surefire with forkCount=2 and reuseForks=false (a JVM per test class,
// each with its own report) and Failsafe (argLine reaches its JVM too). StockTest and StockIT pass, but leave a socket
// in CLOSE_WAIT about a second before their JVM ends: the agent's exit scan finds each, and check fails the build
// naming both frames and their reports; the clean classes' reports say so.
def log = new File(basedir, 'build.log').text
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 4 : "three Surefire JVMs (one per class) and a Failsafe JVM: ${reports}"
assert log.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0') : 'Surefire: the leaky test passes'
assert log.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0') : 'Failsafe: the leaky IT passes'

def leaky = reports.findAll { it.text.contains('"leaks": 1') }
assert leaky.size() == 2 : "StockTest's and StockIT's reports: ${reports*.text}"
def pageOf = { report -> new File(report.parentFile, report.name.replace('.json', '.html')) }
leaky.each { report ->
    assert pageOf(report).isFile() : "check writes the page of each report next to it: ${report}"
    assert log.contains("[ERROR] closewait check: 1 connection leak in ${report}; page ${pageOf(report)}")
    assert report.text.contains('"atExit": true') : "found by the exit scan: ${report.text}"
}
assert leaky.any { pageOf(it).text.contains('<li class="app">com.example.StockTest.openAndForget(StockTest.java:') }
(reports - leaky).each { report ->
    assert pageOf(report).isFile() : "a clean report gets its page too: ${report}"
    assert log.contains("[INFO] closewait check: no connection leaks in ${report}")
}
assert log =~ /\[ERROR\]   #\d+ +OPEN +127\.0\.0\.1:\d+ +com\.example\.StockTest\.openAndForget\(StockTest\.java:\d+\)/
assert log =~ /\[ERROR\]   #\d+ +OPEN +127\.0\.0\.1:\d+ +com\.example\.StockIT\.openAndForget\(StockIT\.java:\d+\)/
assert log.contains('closewait: the tests leaked 2 connections (2 of 4 reports in ')
assert log.contains('BUILD FAILURE')
// The JDK 25 leg (maven-plugin/pom.xml, consumer-builds-jdk25, which sets testJdkFeature): this build's Maven ran on
// JDK 25 (-V) and so did every test JVM it forked, as Surefire and Failsafe recorded them.
if (binding.hasVariable('testJdkFeature')) {
    assert log =~ /(?m)^Java version: ${testJdkFeature}[.\s]/ : 'the consumer Maven runs on the JDK of the leg'
    def results = ['surefire-reports', 'failsafe-reports'].collectMany { dir ->
        (new File(basedir, "target/${dir}").listFiles() ?: []).findAll { it.name ==~ /TEST-.*\.xml/ }
    }
    assert results.size() == 4 : "${results}"
    results.each { file ->
        def ranOn = new groovy.xml.XmlSlurper().parse(file).properties.property.find { it.@name == 'java.version' }.@value.text()
        assert ranOn.tokenize('.+-')[0] == testJdkFeature : "${file.name}: the test JVM ran on ${ranOn}"
    }
    // The agent in those JVMs says so too: JDK 25 keeps it from loading its netlink library without a warning.
    def agentLogs = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /closewait-\d+\.log/ }
    assert agentLogs.size() == 4 : "${agentLogs}"
    agentLogs.each { agentLog ->
        assert agentLog.text.contains('JDK 25 lets an agent load native code') : "${agentLog}: ${agentLog.text}"
    }
}
return true
