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
return true
