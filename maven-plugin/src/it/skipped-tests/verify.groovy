// Two builds of a project whose test leaks, each skipping the tests in its own way: both pass, and check says why
// it skipped. (-DskipTests and -Dclosewait.skip are pinned by the mojos' unit tests.)
def log = new File(basedir, 'build.log').text
assert log.contains('[INFO] closewait: check skipped: the tests were skipped (maven.test.skip)')
assert log.contains("[INFO] closewait: check skipped: the tests were skipped (maven-surefire-plugin's <skipTests> configuration)")
assert !log.contains('closewait check:')
assert !log.contains('BUILD FAILURE')
return true
