package dev.closewait.benchmarks.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * Steady I/O: a 1 KiB ping-pong on one established loopback connection. The agent instruments
 * neither reads nor writes, so it must add nothing here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class SteadyIoBenchmark {

    private static final int MESSAGE_BYTES = 1024;

    private EchoPeer peer;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] message = new byte[MESSAGE_BYTES];
    private final byte[] reply = new byte[MESSAGE_BYTES];

    @Setup(Level.Trial)
    public void connect() throws IOException {
        peer = EchoPeer.start();
        socket = new Socket(peer.address(), peer.port());
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        socket.close();
        peer.close();
    }

    @Benchmark
    public byte pingPong() throws IOException {
        out.write(message);
        for (int read = 0; read < MESSAGE_BYTES; ) {
            int n = in.read(reply, read, MESSAGE_BYTES - read);
            if (n < 0) {
                throw new EOFException("the echo peer closed the connection");
            }
            read += n;
        }
        return reply[MESSAGE_BYTES - 1];
    }
}
