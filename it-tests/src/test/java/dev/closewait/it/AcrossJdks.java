package dev.closewait.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A separate-JVM test run once per {@link Jdk#all()} (the JDK running the build, and JDK 25): for
 * start-up, attach and exit paths that differ between JDKs. The test takes the {@link Jdk} as its
 * parameter and calls {@link EndToEnd#assumePresent(Jdk)} first.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ParameterizedTest(name = "{0}")
@MethodSource(Jdk.ALL)
public @interface AcrossJdks {
}
