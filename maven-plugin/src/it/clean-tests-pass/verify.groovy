// Clean tests pass: one report, no leak, and the check said so.
def log = new File(basedir, 'build.log').text
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 1 : "one test JVM, one report: ${reports}"
assert log.contains("[INFO] closewait check: no connection leaks in ${reports[0]}")
assert log.contains('BUILD SUCCESS')
return true
