import groovy.xml.XmlSlurper

// The JUnit extension fails the leaky test with its stack; the agent dependency brings nothing it shades.
def log = new File(basedir, 'build.log').text
assert log.contains('readsTheStockAndForgetsTheSocket() left 1 socket in CLOSE_WAIT')
assert log =~ /=> com\.example\.StockTest\.openAndForget\(StockTest\.java:\d+\)/
assert log.contains('Tests run: 2, Failures: 1, Errors: 0, Skipped: 0')

// The test JVM's class path, as Surefire recorded it: the agent jar, none of what it shades.
def result = new XmlSlurper().parse(new File(basedir, 'target/surefire-reports/TEST-com.example.StockTest.xml'))
def classpath = result.properties.property.find { it.@name == 'surefire.test.class.path' }.@value.text()
assert classpath.contains('closewait-agent-') : classpath
['byte-buddy', 'jackson-core', 'picocli'].each { shaded ->
    assert !classpath.contains(shaded) : "${shaded} is shaded into the agent jar, not a dependency: ${classpath}"
}

// The POM the agent was installed with names none of what it shades; JUnit stays provided.
def version = new XmlSlurper().parse(new File(basedir, 'pom.xml')).dependencies.dependency
        .find { it.artifactId.text() == 'closewait-agent' }.version.text()
def pom = new XmlSlurper().parse(new File(localRepositoryPath, "dev/closewait/closewait-agent/${version}/closewait-agent-${version}.pom"))
def dependencies = pom.dependencies.dependency.collect { "${it.groupId.text()}:${it.artifactId.text()}:${it.scope.text()}" }
['net.bytebuddy:byte-buddy', 'com.fasterxml.jackson.core:jackson-core', 'info.picocli:picocli'].each { shaded ->
    assert !dependencies.any { it.startsWith(shaded + ':') } : "the installed POM names ${shaded}: ${dependencies}"
}
assert dependencies.findAll { !it.endsWith(':test') } == ['org.junit.jupiter:junit-jupiter-api:provided'] : "${dependencies}"
// The JDK 25 leg (maven-plugin/pom.xml, consumer-builds-jdk25, which sets testJdkFeature): this build's Maven ran on
// JDK 25 (-V) and so did every test JVM it forked, as Surefire and Failsafe recorded them.
if (binding.hasVariable('testJdkFeature')) {
    assert log =~ /(?m)^Java version: ${testJdkFeature}[.\s]/ : 'the consumer Maven runs on the JDK of the leg'
    def results = ['surefire-reports', 'failsafe-reports'].collectMany { dir ->
        (new File(basedir, "target/${dir}").listFiles() ?: []).findAll { it.name ==~ /TEST-.*\.xml/ }
    }
    assert results.size() == 1 : "${results}"
    results.each { file ->
        def ranOn = new groovy.xml.XmlSlurper().parse(file).properties.property.find { it.@name == 'java.version' }.@value.text()
        assert ranOn.tokenize('.+-')[0] == testJdkFeature : "${file.name}: the test JVM ran on ${ranOn}"
    }
}
return true
