// A plain test (no extension) leaves a socket in CLOSE_WAIT about a second before its JVM ends: the test passes,
// the exit scan of the agent finds the socket, and check fails the build naming the test's frame and the report.
def log = new File(basedir, 'build.log').text
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 1 : "${reports}"
assert log.contains('Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert log.contains("[ERROR] closewait check: 1 connection leak in ${reports[0]}")
assert log =~ /\[ERROR\]   #\d+ +OPEN +127\.0\.0\.1:\d+ +com\.example\.StockTest\.openAndForget\(StockTest\.java:\d+\)/
assert log.contains('closewait: the tests leaked 1 connection (1 of 1 reports in ')
assert reports[0].text.contains('"atExit": true')
def pages = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.html/ }
assert pages.size() == 1 : "check writes the page of each report next to it: ${pages}"
assert log.contains("[ERROR] closewait check: 1 connection leak in ${reports[0]}; page ${pages[0]}")
assert pages[0].text.contains('<li class="app">com.example.StockTest.openAndForget(StockTest.java:')
assert log.contains('BUILD FAILURE')
return true
