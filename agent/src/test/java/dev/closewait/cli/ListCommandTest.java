package dev.closewait.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ListCommand}'s main column: the main class or jar of a JVM, never the arguments after it. */
class ListCommandTest {

    @Test
    void keepsTheMainClassAndDropsTheArgumentsThatMayHoldSecrets() {
        assertEquals("com.acme.Shop",
                ListCommand.mainOf("com.acme.Shop jdbc:postgresql://db/shop?password=s3cret --db.password=s3cret"));
    }

    @Test
    void keepsTheJarOfAnApplicationStartedWithDashJar() {
        assertEquals("/opt/shop/shop.jar", ListCommand.mainOf("/opt/shop/shop.jar --spring.datasource.password=s3cret"));
    }

    @Test
    void aMainWithoutArgumentsIsKeptWholeAndAnEmptyNameStaysEmpty() {
        assertEquals("Leaker", ListCommand.mainOf("Leaker"));
        assertEquals("", ListCommand.mainOf(""));
        assertEquals("", ListCommand.mainOf("   "));
    }
}
