package dev.closewait.agent.output;

import dev.closewait.agent.io.ExistingFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the agent writes the files a user names (the report, the log): created readable and writable
 * by their owner only (0600), never through a link, a temporary file never one that exists. Plain
 * {@link FileChannel}s: they load no socket class, so opening the log in {@code premain} does not make
 * the JDK's socket classes load before the agent can weave them. A file channel is interruptible: a
 * write while the writing thread's interrupt is pending would close it (the log would take nothing
 * more), so each write holds off the caller's interrupt and gives it back after; and an interrupt
 * that arrives during a write, which closes the channel all the same, makes the stream open the
 * file again (never through a link) and write the rest: nothing is lost, nothing written twice.
 */
final class OwnerOnlyFiles {

    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** Writes the body of a file. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private OwnerOnlyFiles() {
    }

    /**
     * How often a write opens its file again after interrupts closed it, with no byte written in
     * between, before it gives up: an interrupt every few microseconds can land in many writes running,
     * but each that gets bytes through starts the count again.
     */
    private static final int REOPENS_WITHOUT_PROGRESS = 1_000;

    /**
     * A stream appending to {@code path}, created if missing; refused if {@code path} is a link, or
     * anything but a plain file of this user's own ({@link ExistingFile}). Created exclusively, so a
     * FIFO or another user's file that appears at the path meanwhile is never opened.
     */
    static OutputStream append(Path path) throws IOException {
        Set<OpenOption> existing = Set.of(StandardOpenOption.APPEND, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        FileChannel channel;
        try {
            channel = open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        } catch (FileAlreadyExistsException there) {
            String problem = ExistingFile.problem(path);
            if (problem != null) {
                throw new IOException(problem); // the problem, not the cause's "already exists"
            }
            channel = open(path, existing); // this user's own: no one else can swap it in a sticky directory
        }
        // Opened again (after an interrupt closed it) never created: it must still be the agent's file.
        return new ChannelStream(channel, () -> open(path, existing));
    }

    /**
     * Writes {@code body} to a new temporary file next to {@code target}, then renames it over
     * {@code target}: a reader never sees half a file. The temporary name is random and created
     * exclusively, so nothing planted at a guessable name can take the write.
     */
    static void replace(Path target, Body body) throws IOException {
        Path temp = null;
        FileChannel channel = null;
        for (int attempt = 0; channel == null; attempt++) {
            temp = target.resolveSibling("." + target.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 8) + ".tmp");
            try {
                channel = open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS));
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 15) {
                    throw taken;
                }
            }
        }
        Path written = temp;
        try {
            // Opened again only to go on at its end, never created: it must still be the agent's file.
            try (OutputStream out = new ChannelStream(channel, () -> open(written, Set.of(StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)))) {
                body.writeTo(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static FileChannel open(Path path, Set<OpenOption> options) throws IOException {
        try {
            return FileChannel.open(path, options, OWNER_ONLY);
        } catch (UnsupportedOperationException notPosix) {
            return FileChannel.open(path, options);
        }
    }

    /** Opens a stream's file again, to append to it. */
    private interface Reopen {
        FileChannel open() throws IOException;
    }

    /** A buffered stream over a file channel; each flush writes what it holds whole. */
    private static final class ChannelStream extends OutputStream {
        private final Reopen reopen;
        private FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);

        ChannelStream(FileChannel channel, Reopen reopen) {
            this.channel = channel;
            this.reopen = reopen;
        }

        @Override
        public void write(int b) throws IOException {
            if (!buffer.hasRemaining()) {
                flush();
            }
            buffer.put((byte) b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > buffer.remaining()) {
                flush();
            }
            if (length > buffer.capacity()) {
                drain(ByteBuffer.wrap(bytes, offset, length));
            } else {
                buffer.put(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            buffer.flip();
            drain(buffer);
            buffer.clear();
        }

        /**
         * Writes all of {@code bytes}. An interrupt during a write closes the channel after the write
         * took what it took ({@code bytes}' position says how much): the file is opened again and the
         * rest written at its end.
         */
        private void drain(ByteBuffer bytes) throws IOException {
            boolean interrupted = Thread.interrupted();
            try {
                for (int reopens = 0; bytes.hasRemaining(); ) {
                    int before = bytes.position();
                    try {
                        channel.write(bytes);
                    } catch (ClosedByInterruptException closed) {
                        interrupted |= Thread.interrupted();
                        reopens = bytes.position() > before ? 1 : reopens + 1;
                        if (reopens > REOPENS_WITHOUT_PROGRESS) {
                            throw closed;
                        }
                        channel = reopen.open();
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // the application's, kept
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
            } finally {
                channel.close();
            }
        }
    }
}
