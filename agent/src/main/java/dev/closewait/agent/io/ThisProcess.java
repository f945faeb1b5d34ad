package dev.closewait.agent.io;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What names this process among others: its pid, and for {@link PrivateDirectory} its boot id and
 * start time in clock ticks (Linux). The pid comes from {@code /proc/self} where there is one:
 * {@code ProcessHandle.current()} initialises the JDK's process machinery (its reaper's thread
 * factory and several method handles), a few milliseconds of every start-up for one number.
 */
public final class ThisProcess {

    private static volatile long pid;
    private static String identity;

    private ThisProcess() {
    }

    /** This process's id. */
    public static long pid() {
        long known = pid;
        if (known == 0) {
            known = fromProcSelf();
            if (known <= 0) {
                known = ProcessHandle.current().pid();
            }
            pid = known;
        }
        return known;
    }

    /** The pid {@code /proc/self} links to, or {@code -1}. */
    private static long fromProcSelf() {
        try {
            String name = new File("/proc/self").getCanonicalFile().getName();
            return isDigits(name) ? Long.parseLong(name) : -1;
        } catch (IOException | RuntimeException noProc) {
            return -1;
        }
    }

    /** {@code <boot id>-<pid>-<start ticks>}; {@code 0} for what the platform does not tell. */
    static synchronized String identity() {
        if (identity == null) {
            long self = pid();
            identity = bootId() + "-" + self + "-" + startTicks(self);
        }
        return identity;
    }

    /**
     * Whether a directory named {@code <boot id>-<pid>-<start ticks>-<random>} was left by a
     * process of this boot that is gone. Unreadable or foreign names are kept.
     */
    static boolean isLeftOverBy(String name) {
        String[] parts = name.split("-");
        if (parts.length != 4 || !parts[0].equals(bootId()) || parts[0].equals("0")) {
            return false;
        }
        long other;
        try {
            other = Long.parseLong(parts[1]);
        } catch (NumberFormatException notOurs) {
            return false;
        }
        if (other == pid()) {
            return false;
        }
        if (ProcessHandle.of(other).isEmpty()) {
            return true;
        }
        String ticks = startTicks(other);
        return !ticks.equals("0") && !ticks.equals(parts[2]); // the pid was reused by a later process
    }

    /** The first 12 hex digits of this boot's id, or {@code 0}. */
    private static String bootId() {
        String id = firstLine("/proc/sys/kernel/random/boot_id");
        String hex = id == null ? "" : id.replace("-", "");
        return hex.length() >= 12 ? hex.substring(0, 12) : "0";
    }

    /** Field 22 of {@code /proc/<pid>/stat}: when the process started, in clock ticks since boot; or {@code 0}. */
    private static String startTicks(long of) {
        String stat = firstLine("/proc/" + of + "/stat");
        if (stat == null || stat.lastIndexOf(')') < 0) {
            return "0";
        }
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return fields.length > 19 && isDigits(fields[19]) ? fields[19] : "0";
    }

    private static boolean isDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String file) {
        try (BufferedReader in = new BufferedReader(new FileReader(file, StandardCharsets.US_ASCII))) {
            return in.readLine();
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }
}
