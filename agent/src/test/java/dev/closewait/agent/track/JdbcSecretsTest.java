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

/** Masking by allowlist, on the URL forms real drivers accept. */
class JdbcSecretsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jdbc:postgresql://db/shop?user=app&password=hunter2|jdbc:postgresql://db/shop?user=****&password=****",
        "jdbc:postgresql://db/shop?sslpassword=k3y&sslmode=verify-full|jdbc:postgresql://db/shop?sslpassword=****&sslmode=verify-full",
        "jdbc:postgresql://db:5432/shop?ApplicationName=orders&connectTimeout=5|jdbc:postgresql://db:5432/shop?ApplicationName=orders&connectTimeout=5",
        "jdbc:sqlserver://db:1433;databaseName=shop;password=hunter2;user=app|jdbc:sqlserver://db:1433;databaseName=shop;password=****;user=****",
        "jdbc:sqlserver://db:1433;password={a;b}}c};encrypt=false|jdbc:sqlserver://db:1433;password=****;encrypt=false",
        "jdbc:sqlserver://db;password=Space Pw tail;loginTimeout=5|jdbc:sqlserver://db;password=****;loginTimeout=5",
        "jdbc:sqlserver://db;OAuthPvtKey=MIIEvQIBADANBg;passcode=123456|jdbc:sqlserver://db;OAuthPvtKey=****;passcode=****",
        "jdbc:sqlserver://db;authentication=ActiveDirectoryServicePrincipal;aadSecurePrincipalSecret=s3cr3t|jdbc:sqlserver://db;authentication=ActiveDirectoryServicePrincipal;aadSecurePrincipalSecret=****",
        "jdbc:mysql://app:hunter2@db:3306/shop|jdbc:mysql://****@db:3306/shop",
        "jdbc:mysql://app:hun/ter2@db:3306/shop|jdbc:mysql://****@db:3306/shop",
        "jdbc:mariadb://app:p@ss@db/shop?useSsl=true|jdbc:mariadb://****@db/shop?useSsl=true",
        "jdbc:mysql://(host=db,port=3306,user=app,password=hunter2)/shop|jdbc:mysql://(host=db,port=3306,user=****,password=****)/shop",
        "jdbc:mysql://address=(host=db)(port=3306)(password=hunter2)/shop|jdbc:mysql://address=(host=db)(port=3306)(password=****)/shop",
        "jdbc:oracle:thin:app/hunter2@db:1521/ORCL|jdbc:oracle:thin:****@db:1521/ORCL",
        "jdbc:oracle:thin:\"app\"/\"pass word\"@db:1521/ORCL|jdbc:oracle:thin:****@db:1521/ORCL",
        "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=orcl)))|jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=orcl)))",
        "jdbc:db2://db:50000/shop:user=app;password=hunter2;|jdbc:db2://db:50000/shop:user=****;password=****;",
        "jdbc:h2:mem:test;PASSWORD=hunter2;MODE=MySQL|jdbc:h2:mem:test;PASSWORD=****;MODE=****",
        "jdbc:snowflake://acct.snowflakecomputing.com/?private_key_file_pwd=abc&db=SALES|jdbc:snowflake://acct.snowflakecomputing.com/?private_key_file_pwd=****&db=SALES",
        "jdbc:postgresql://db:5432/shop|jdbc:postgresql://db:5432/shop",
        // values as drivers take them, whatever they start with or hold
        "jdbc:postgresql://db/shop?user=app&password=Hash#Tail9xQ|jdbc:postgresql://db/shop?user=****&password=****",
        "jdbc:postgresql://db/shop?password=(ParenPw7Kq)&sslmode=require|jdbc:postgresql://db/shop?password=****&sslmode=require",
        "jdbc:postgresql://db/shop?password={BracePw}Rest4Z|jdbc:postgresql://db/shop?password=****",
        "jdbc:postgresql://db/shop?password=\"QuotPw\"After5M|jdbc:postgresql://db/shop?password=****",
        "jdbc:sqlserver://db;password=(MsParen6R);encrypt=false|jdbc:sqlserver://db;password=****;encrypt=false",
        "jdbc:sqlserver://db;password=\"MsQuote\"Tail3J;encrypt=false|jdbc:sqlserver://db;password=****;encrypt=false",
        "jdbc:mysql://address=(host=db)(password=(MyParen5T)/shop|jdbc:mysql://address=(host=db)(password=****)/shop",
        // an empty password (MariaDB's root here) is masked like any: the report's schema says so
        "jdbc:mariadb://127.0.0.1:3306/?user=root&password=&connectTimeout=5|jdbc:mariadb://127.0.0.1:3306/?user=****&password=****&connectTimeout=5",
        "jdbc:sqlserver://db;password=;encrypt=false|jdbc:sqlserver://db;password=****;encrypt=false",
        // a value in parentheses that looks like a group is a value: only named groups hold parameters
        "jdbc:postgresql://db/shop?password=(Gr0up=Pw9)&sslmode=require|jdbc:postgresql://db/shop?password=****&sslmode=require",
        "jdbc:sqlserver://db;password=(Gr0up=Pw9);encrypt=false|jdbc:sqlserver://db;password=****;encrypt=false",
        "jdbc:mysql://(host=db,password=(Gr0up=Pw9))/shop|jdbc:mysql://(host=db,password=****))/shop",
        "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(HOST=db)(PORT=1521)))(FAILOVER_MODE=(TYPE=select)))|jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(HOST=db)(PORT=1521)))(FAILOVER_MODE=(TYPE=select)))",
        "jdbc:postgresql://db/shop?pass+word=Sup3rS3cret&password[]=Sup3rS3cret|jdbc:postgresql://db/shop?pass+word=****&password[]=****",
        // a userinfo's password holding ';' or '?', which MySQL's parser takes
        "jdbc:mysql://root:Semi;Colon8W@db:3306/shop|jdbc:mysql://****@db:3306/shop",
        "jdbc:mysql://root:MyQuest10n?x@db:3306/shop|jdbc:mysql://****@db:3306/shop",
        "jdbc:sqlserver://db:1433;user=app@corp;password=hunter2|jdbc:sqlserver://db:1433;user=****;password=****",
        "jdbc:postgresql://db:5432/shop?user=app@corp.example|jdbc:postgresql://db:5432/shop?user=****",
    })
    void keepsWhereAndHowAndMasksEveryOtherValue(String url, String masked) {
        assertEquals(masked, JdbcSecrets.maskUrl(url));
    }

    @Test
    void eachMaskedValueIsASecretToFindInMessages() {
        String url = "jdbc:sqlserver://db;password=Space Pw tail;OAuthPvtKey={k}}ey};user=app";
        List<String> secrets = JdbcSecrets.secretValues(url, null);
        assertTrue(secrets.containsAll(List.of("Space Pw tail", "{k}}ey}", "k}ey")), secrets::toString);
        assertEquals("app", JdbcSecrets.user(url, null));
        assertEquals(List.of("hun/ter2"), JdbcSecrets.secretValues("jdbc:mysql://app:hun/ter2@db/shop", null)
                .subList(1, 2), "userinfo's password, after the whole userinfo");
        assertTrue(JdbcSecrets.secretValues("jdbc:oracle:thin:\"app\"/\"pass word\"@db/ORCL", null).contains("pass word"));
    }

    @Test
    void urlsBeyondTheCacheAreMaskedAsWellAsCachedOnesAndRepeatsGiveTheSameAnswer() {
        for (int i = 0; i < JdbcSecrets.MAX_CACHED * 2; i++) {
            String url = "jdbc:sqlserver://db" + i + ":1433;user=app" + i + ";password=Secret" + i;
            for (int repeat = 0; repeat < 2; repeat++) {
                assertEquals("jdbc:sqlserver://db" + i + ":1433;user=****;password=****", JdbcSecrets.maskUrl(url));
                assertEquals(List.of("Secret" + i), JdbcSecrets.secretValues(url, null));
                assertEquals("app" + i, JdbcSecrets.user(url, null));
            }
        }
    }

    @Test
    void findsTheUserInPropertiesOrTheUrl() {
        Properties info = new Properties();
        info.setProperty("user", "fromProps");
        assertEquals("fromProps", JdbcSecrets.user("jdbc:postgresql://db/x?user=fromUrl", info));
        assertEquals("fromUrl", JdbcSecrets.user("jdbc:postgresql://db/x?user=fromUrl", new Properties()));
        assertEquals("app", JdbcSecrets.user("jdbc:sqlserver://db;userName=app;password=x", null));
        assertEquals("app", JdbcSecrets.user("jdbc:mysql://app:secret@db/shop", null));
        assertEquals("app", JdbcSecrets.user("jdbc:mysql://(host=db,user=app,password=x)/shop", null));
        assertEquals("app", JdbcSecrets.user("jdbc:oracle:thin:app/secret@db:1521/ORCL", null));
        assertEquals("app", JdbcSecrets.user("jdbc:oracle:thin:\"app\"/\"se cret\"@db:1521/ORCL", null));
        assertNull(JdbcSecrets.user("jdbc:postgresql://db/shop", null));
    }

    @Test
    void everyPropertyButTheHarmlessOnesAndTheUserIsASecret() {
        Properties info = new Properties();
        info.setProperty("password", "propSecret");
        info.setProperty("passcode", "778899");
        info.setProperty("user", "app");
        info.setProperty("ApplicationName", "orders");
        List<String> secrets = JdbcSecrets.secretValues("jdbc:postgresql://db/shop", info);
        assertTrue(secrets.containsAll(List.of("propSecret", "778899")), secrets::toString);
        assertFalse(secrets.contains("app"));
        assertFalse(secrets.contains("orders"));
    }

    @Test
    void masksUrlsAndKnownSecretsInMessagesWhereverTheyAppear() {
        String message = "FATAL: password authentication failed for user \"app\" (tried 'Tr0ub4dor&3') url="
                + "jdbc:sqlserver://h;password=Space Pw tail;encrypt=false";
        String masked = JdbcSecrets.maskMessage(message, List.of("Tr0ub4dor&3"));
        assertFalse(masked.contains("Tr0ub4dor"), masked);
        assertFalse(masked.contains("Space"), masked);
        assertTrue(masked.contains("for user \"app\""), masked);
        assertTrue(masked.endsWith("jdbc:sqlserver://h;password=****;encrypt=false"), masked);
    }

    @Test
    void masksThePiecesOfASecretThatADriverEchoesAfterMisreadingItsUrl() {
        List<String> secrets = JdbcSecrets.secretValues("jdbc:mariadb://root:MdSlashPw77/x@db:3306/", null);

        assertEquals("Incorrect port value : ****", JdbcSecrets.maskMessage("Incorrect port value : MdSlashPw77", secrets));
        // the whole userinfo is a secret too, and its user one of its pieces: masked with it (jdbc.user names it)
        assertEquals("Failed to parse the host:port pair '****:****'.", JdbcSecrets.maskMessage(
                "Failed to parse the host:port pair 'root:MySlash'.",
                JdbcSecrets.secretValues("jdbc:mysql://root:MySlash/Pw66@db/", null)));
        assertEquals("Login failed for user 'app'. ClientConnectionId:1",
                JdbcSecrets.maskMessage("Login failed for user 'app'. ClientConnectionId:1", List.of("a/b")),
                "pieces shorter than four characters are left alone: they would mask common words");
    }

    @Test
    void aPasswordInThePropertiesDefaultsIsASecretToo() {
        java.util.Properties defaults = new java.util.Properties();
        defaults.setProperty("password", "Def4ultPw");
        java.util.Properties info = new java.util.Properties(defaults);
        info.setProperty("user", "app");

        assertEquals(List.of("Def4ultPw"), JdbcSecrets.secretValues(null, info));
    }

    @Test
    void masksShortSecretsOnlyAsWholeWords() {
        String masked = JdbcSecrets.maskMessage("login xy failed; taxyard unaffected", List.of("xy"));
        assertEquals("login **** failed; taxyard unaffected", masked);
    }

    @Test
    void theHarmlessListNamesNoCredential() {
        for (String name : List.of("password", "PWD", "sslpassword", "trustStorePassword", "keyStoreSecret",
                "accessToken", "clientSecret", "apiKey", "OAuthPvtKey", "passcode", "user", "sslkey")) {
            assertFalse(JdbcSecrets.isHarmless(name), name);
        }
        for (String name : List.of("databaseName", "encrypt", "sslmode", "ApplicationName", "loginTimeout")) {
            assertTrue(JdbcSecrets.isHarmless(name), name);
        }
    }
}
