package dev.closewait.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckCommandTest {

    private static final String LEAK = "{\"id\":17,\"status\":\"OPEN\",\"state\":\"CLOSE_WAIT\",\"origin\":\"CONNECT\","
            + "\"local\":\"127.0.0.1:51234\",\"remote\":\"127.0.0.1:1433\",\"openedAt\":null,\"closeWaitSince\":null,"
            + "\"closedAt\":null,\"thread\":\"w\",\"stack\":[\"java.base/java.net.Socket.connect(Socket.java:1)\","
            + "\"com.microsoft.sqlserver.jdbc.SocketFinder.find(IOBuffer.java:2)\",\"com.example.OrderDao.load(OrderDao.java:42)\"],"
            + "\"jdbc\":{\"url\":\"jdbc:sqlserver://db\",\"user\":\"app\",\"driver\":\"com.microsoft.sqlserver.jdbc.SQLServerDriver\","
            + "\"connectionClosedAt\":null,\"connectError\":null}}";

    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int check(String content) throws Exception {
        Path file = Files.writeString(dir.resolve("leaks.json"), content);
        return CloseWaitCli.execute(new String[] {"check", file.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    @Test
    void noLeaksIsStatus0() throws Exception {
        assertEquals(0, check("{\"tool\":\"closewait\",\"summary\":{\"tracked\":3,\"open\":0,\"leaks\":0},\"leaks\":[]}"));
        assertTrue(out.toString().contains("no connection leaks"), out::toString);
    }

    @Test
    void leaksAreListedOneLineEachWithTheFirstApplicationFrameAndStatus1() throws Exception {
        assertEquals(1, check("{\"tool\":\"closewait\",\"summary\":{\"leaks\":1},\"leaks\":[" + LEAK + "]}"));
        String[] lines = out.toString().split("\n");
        assertEquals(2, lines.length, out::toString);
        assertTrue(lines[1].contains("#17") && lines[1].contains("OPEN") && lines[1].contains("127.0.0.1:1433"), lines[1]);
        assertTrue(lines[1].endsWith("com.example.OrderDao.load(OrderDao.java:42)"),
                "the driver's frames are skipped: " + lines[1]);
    }

    @Test
    void truncatedMissingForeignAndInconsistentFilesAreStatus2WithWhereAndWhy() throws Exception {
        assertEquals(2, check("{\"tool\":\"closewait\",\"leaks\":[" + LEAK.substring(0, 60)));
        assertTrue(err.toString().contains("is not valid JSON at line 1, column"), err::toString);
        assertEquals(2, check("{\"tool\":\"other\",\"leaks\":[]}"));
        assertTrue(err.toString().contains("is not a closewait report"), err::toString);
        assertEquals(2, check("{\"tool\":\"closewait\",\"summary\":{\"leaks\":2},\"leaks\":[" + LEAK + "]}"));
        assertTrue(err.toString().contains("summary.leaks says 2 but the leaks array has 1"), err::toString);
        assertEquals(2, check("{\"tool\":\"closewait\",\"leaks\":[{\"id\":1}]}"));
        assertTrue(err.toString().contains("leaks[0] has no 'status'"), err::toString);
        assertEquals(2, check("[1,2]"));
        assertEquals(2, CloseWaitCli.execute(new String[] {"check", dir.resolve("none.json").toString()},
                new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("no such file"), err::toString);
    }
}
