// Surefire and Failsafe both fork JVMs with argLine: the clean unit test's report and the leaky IT's are both read.
def log = new File(basedir, 'build.log').text
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 2 : "a Surefire JVM and a Failsafe JVM: ${reports}"
assert log =~ /\[ERROR\]   #\d+ +OPEN +127\.0\.0\.1:\d+ +com\.example\.StockIT\.openAndForget\(StockIT\.java:\d+\)/
assert log.contains('closewait: the tests leaked 1 connection (1 of 2 reports in ')
assert log.contains('BUILD FAILURE')
return true
