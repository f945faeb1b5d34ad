// forkCount=2, reuseForks=false: a JVM per test class, each with its own report; the one leaky class fails the build.
def log = new File(basedir, 'build.log').text
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 3 : "three test classes, three JVMs: ${reports}"
assert log.contains('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0')
assert log =~ /\[ERROR\] closewait check: 1 connection leak in .*leaks-\d+\.json/
assert (log =~ /\[INFO\] closewait check: no connection leaks in .*leaks-\d+\.json/).size() == 2
assert log =~ /\[ERROR\]   #\d+ +OPEN +127\.0\.0\.1:\d+ +com\.example\.StockTest\.openAndForget\(StockTest\.java:\d+\)/
assert log.contains('closewait: the tests leaked 1 connection (1 of 3 reports in ')
assert log.contains('BUILD FAILURE')
return true
