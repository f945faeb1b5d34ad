// JaCoCo's prepare-agent in the same build: both agents ran in the test JVM, whichever goal set argLine first.
def log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/jacoco.exec').length() > 0 : 'JaCoCo wrote its execution data'
def reports = new File(basedir, 'target/closewait').listFiles().findAll { it.name ==~ /leaks-\d+\.json/ }
assert reports.size() == 1 : "closewait wrote its report: ${reports}"
assert log.contains('closewait check: no connection leaks in')
// The value of argLine after the second goal: JaCoCo prepends its agent, closewait appends its own.
def argLine = (log =~ /argLine set to (.*)/).collect { it[1] }.last()
assert argLine =~ /^-javaagent:\S*org\.jacoco\.agent\S* -javaagent:\S*closewait-agent\S*$/ : argLine
assert log.contains('BUILD SUCCESS')
return true
