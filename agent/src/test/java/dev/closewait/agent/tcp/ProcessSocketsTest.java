package dev.closewait.agent.tcp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProcessSocketsTest {

    @Test
    void readsSocketInodesFromDescriptorLinksAndIgnoresOthers(@TempDir Path fd) throws Exception {
        Files.createSymbolicLink(fd.resolve("3"), Paths.get("socket:[12345]"));
        Files.createSymbolicLink(fd.resolve("4"), Paths.get("pipe:[777]"));
        Files.createSymbolicLink(fd.resolve("5"), Paths.get("/var/log/app.log"));
        Files.createSymbolicLink(fd.resolve("6"), Paths.get("socket:[99]"));
        Files.createSymbolicLink(fd.resolve("7"), Paths.get("socket:[oops]"));
        assertEquals(Set.of(12345L, 99L), ProcessSockets.inodes(fd));
    }

    @Test
    void findsThisProcessesOwnConnectionInTheKernelTable() throws Exception {
        assumeTrue(ProcessSockets.isAvailable() && ProcNetTcp.isAvailable(), "needs Linux /proc");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            Set<Long> inodes = ProcessSockets.inodes();
            List<TcpConnection> mine = new ArrayList<>();
            List<TcpConnection> acceptedSide = new ArrayList<>();
            new ProcNetTcp().read(EnumSet.of(TcpState.ESTABLISHED), row -> {
                // A local port is unique per remote only: match the whole connection.
                if (inodes.contains(row.inode()) && row.local().port() == client.getLocalPort()
                        && row.remote().port() == server.getLocalPort()) {
                    mine.add(row);
                }
                if (inodes.contains(row.inode()) && row.local().port() == accepted.getLocalPort()
                        && row.remote().port() == accepted.getPort()) {
                    acceptedSide.add(row);
                }
            });
            assertEquals(1, mine.size(), "the client's row, found by the inode of one of our descriptors");
            assertEquals(1, acceptedSide.size(), "the accepted socket's row too: both ends are this process's");
        }
    }
}
