package dev.closewait.it.hardening.scenarios;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Another local user, racing the agent's files: it watches a shared temporary directory and, for
 * every {@code closewait*} entry that appears, tries everything an attacker would: list it, write
 * to it, move it away and put its own in its place, plant its own bridge jar or netlink library
 * inside. Self-contained (the
 * test copies this class alone where that user can read it). Prints {@code SEEN}, {@code WROTE} (each breach) and a
 * last {@code SUMMARY} line. Runs until its standard input closes. Args: the directory.
 */
public final class Racer {

    private static final String[] PLANTED = {"closewait-boot.jar", "libclosewait-netlink.so"};
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean stop;
    private static int seen;
    private static int attempts;
    private static int wrote;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                while (in.readLine() != null) {
                    // until the test closes it
                }
            } catch (IOException ended) {
                // the same
            }
            stop = true;
        });
        stdin.setDaemon(true);
        stdin.start();
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            System.out.println("READY " + System.getProperty("user.name"));
            System.out.flush();
            while (!stop) {
                WatchKey key = watch.poll(1, TimeUnit.MILLISECONDS);
                if (key != null) {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.context() instanceof Path) {
                            Path entry = dir.resolve((Path) event.context());
                            String name = entry.getFileName().toString();
                            if (name.startsWith("closewait") && !name.endsWith(".racer")) {
                                attack(entry, true);
                            }
                        }
                    }
                    key.reset();
                }
                for (Path live : LIVE) { // inside a directory that still exists: try again while it lives
                    if (!Files.exists(live, LinkOption.NOFOLLOW_LINKS)) {
                        LIVE.remove(live);
                    } else {
                        attack(live, false);
                    }
                }
            }
        }
        System.out.println("SUMMARY seen=" + seen + " attempts=" + attempts + " wrote=" + wrote);
        System.out.flush();
    }

    private static void attack(Path entry, boolean first) {
        if (first) {
            seen++;
            String mode;
            try {
                mode = Integer.toOctalString((Integer) Files.getAttribute(entry, "unix:mode", LinkOption.NOFOLLOW_LINKS)
                        & 07777) + " " + Files.getOwner(entry, LinkOption.NOFOLLOW_LINKS).getName();
            } catch (IOException | RuntimeException gone) {
                mode = "gone";
            }
            System.out.println("SEEN " + entry.getFileName() + " " + mode);
        }
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
            LIVE.add(entry);
            File[] inside = entry.toFile().listFiles();
            if (inside != null) {
                succeeded("listed", entry);
                for (File file : inside) {
                    tryWrite(file.toPath());
                }
            }
            for (String name : PLANTED) {
                tryPlant(entry.resolve(name));
            }
            tryReplace(entry);
        } else {
            tryWrite(entry);
            tryReplace(entry);
        }
    }

    /** Appends to a file that exists (never creates one: a name the agent is done with is not its file). */
    private static void tryWrite(Path file) {
        attempts++;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS)) {
            out.write(0);
            succeeded("wrote", file);
        } catch (IOException | RuntimeException refused) {
            // what should happen
        }
    }

    /** Puts a file of this user's own where the agent will write or load one. */
    private static void tryPlant(Path file) {
        attempts++;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            succeeded("planted", file);
        } catch (IOException | RuntimeException refused) {
            // what should happen
        }
    }

    /** Moves the entry away and puts one of this user's own in its place. */
    private static void tryReplace(Path entry) {
        attempts++;
        Path aside = entry.resolveSibling(entry.getFileName() + ".racer");
        try {
            Files.move(entry, aside, StandardCopyOption.ATOMIC_MOVE);
            succeeded("moved", entry);
            Files.createDirectory(entry);
        } catch (IOException | RuntimeException refused) {
            // what should happen
        }
    }

    private static void succeeded(String what, Path path) {
        wrote++;
        System.out.println("WROTE " + what + " " + path);
        System.out.flush();
    }
}
