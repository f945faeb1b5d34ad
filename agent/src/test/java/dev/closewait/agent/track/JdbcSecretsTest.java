package dev.closewait.agent.track;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JdbcSecretsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db/shop?user=app&password=hunter2|jdbc:postgresql://db/shop?user=app&password=****",
        "jdbc:postgresql://db/shop?password=hunter2&user=app|jdbc:postgresql://db/shop?password=****&user=app",
        "jdbc:postgresql://db/shop?sslpassword=k3y&sslmode=verify-full|jdbc:postgresql://db/shop?sslpassword=****&sslmode=verify-full",
        "jdbc:sqlserver://db:1433;databaseName=shop;password=hunter2;user=app|jdbc:sqlserver://db:1433;databaseName=shop;password=****;user=app",
        "jdbc:sqlserver://db:1433;password={a;b}}c};user=app|jdbc:sqlserver://db:1433;password=****;user=app",
        "jdbc:sqlserver://db;PWD=hunter2|jdbc:sqlserver://db;PWD=****",
        "jdbc:sqlserver://db;authentication=ActiveDirectoryServicePrincipal;aadSecurePrincipalSecret=s3cr3t|jdbc:sqlserver://db;authentication=ActiveDirectoryServicePrincipal;aadSecurePrincipalSecret=****",
        "jdbc:sqlserver://db;accessToken=eyJabc.def|jdbc:sqlserver://db;accessToken=****",
        "jdbc:sqlserver://db;trustStorePassword=changeit;keyStoreSecret=xyz|jdbc:sqlserver://db;trustStorePassword=****;keyStoreSecret=****",
        "jdbc:mysql://app:hunter2@db:3306/shop|jdbc:mysql://app:****@db:3306/shop",
        "jdbc:mariadb://app:p@ss@db/shop?useSsl=true|jdbc:mariadb://app:****@db/shop?useSsl=true",
        "jdbc:oracle:thin:app/hunter2@db:1521/ORCL|jdbc:oracle:thin:app/****@db:1521/ORCL",
        "jdbc:snowflake://acct.snowflakecomputing.com/?clientSecret=abc&token=def|jdbc:snowflake://acct.snowflakecomputing.com/?clientSecret=****&token=****",
        "jdbc:postgresql://db:5432/shop|jdbc:postgresql://db:5432/shop",
        "jdbc:postgresql://db/shop?passwordless=true&user=app|jdbc:postgresql://db/shop?passwordless=****&user=app",
    })
    void masksSecretsInUrls(String url, String masked) {
        assertEquals(masked, JdbcSecrets.maskUrl(url));
    }

    @Test
    void urlsBeyondTheCacheAreMaskedAsWellAsCachedOnesAndRepeatsGiveTheSameAnswer() {
        for (int i = 0; i < JdbcSecrets.MAX_CACHED * 2; i++) {
            String url = "jdbc:sqlserver://db" + i + ":1433;user=app" + i + ";password=Secret" + i;
            for (int repeat = 0; repeat < 2; repeat++) {
                assertEquals("jdbc:sqlserver://db" + i + ":1433;user=app" + i + ";password=****", JdbcSecrets.maskUrl(url));
                assertEquals(List.of("Secret" + i), JdbcSecrets.secretValues(url, null));
                assertEquals("app" + i, JdbcSecrets.user(url, null));
            }
        }
        Properties info = new Properties();
        info.setProperty("user", "fromProperties");
        info.setProperty("password", "p4ssw0rd");
        String url = "jdbc:sqlserver://db0:1433;user=app0;password=Secret0";
        assertEquals("fromProperties", JdbcSecrets.user(url, info), "properties first, the URL's answer cached or not");
        assertEquals(List.of("p4ssw0rd", "Secret0"), JdbcSecrets.secretValues(url, info));
    }

    @Test
    void findsTheUserInPropertiesOrTheUrl() {
        Properties info = new Properties();
        info.setProperty("user", "fromProps");
        assertEquals("fromProps", JdbcSecrets.user("jdbc:postgresql://db/x?user=fromUrl", info));
        assertEquals("fromUrl", JdbcSecrets.user("jdbc:postgresql://db/x?user=fromUrl", new Properties()));
        assertEquals("app", JdbcSecrets.user("jdbc:sqlserver://db;userName=app;password=x", null));
        assertEquals("app", JdbcSecrets.user("jdbc:mysql://app:secret@db/shop", null));
        assertEquals("app", JdbcSecrets.user("jdbc:oracle:thin:app/secret@db:1521/ORCL", null));
        assertNull(JdbcSecrets.user("jdbc:postgresql://db/shop", null));
    }

    @Test
    void collectsSecretValuesFromUrlAndProperties() {
        Properties info = new Properties();
        info.setProperty("password", "propSecret");
        info.setProperty("user", "app");
        List<String> secrets = JdbcSecrets.secretValues("jdbc:sqlserver://db;password={brace}}d};accessToken=tok123", info);
        assertTrue(secrets.containsAll(List.of("propSecret", "{brace}}d}", "brace}d", "tok123")), secrets::toString);
        assertFalse(secrets.contains("app"));
    }

    @Test
    void masksKnownSecretsInMessagesWhereverTheyAppear() {
        String message = "FATAL: password authentication failed for user \"app\" (tried 'Tr0ub4dor&3') url=jdbc:x://h?password=Tr0ub4dor&3";
        String masked = JdbcSecrets.maskMessage(message, List.of("Tr0ub4dor&3"));
        assertFalse(masked.contains("Tr0ub4dor"), masked);
        assertTrue(masked.contains("for user \"app\""), masked);
    }

    @Test
    void masksShortSecretsOnlyAsWholeWords() {
        String masked = JdbcSecrets.maskMessage("login xy failed; taxyard unaffected", List.of("xy"));
        assertEquals("login **** failed; taxyard unaffected", masked);
    }

    @Test
    void recognisesSecretParameterNames() {
        for (String name : List.of("password", "PWD", "sslpassword", "trustStorePassword", "keyStoreSecret",
                "accessToken", "clientSecret", "apiKey", "api_key", "dbpass", "credentials", "privateKey")) {
            assertTrue(JdbcSecrets.isSecretName(name), name);
        }
        for (String name : List.of("user", "databaseName", "encrypt", "sslmode", "ApplicationName", "loginTimeout")) {
            assertFalse(JdbcSecrets.isSecretName(name), name);
        }
    }
}
