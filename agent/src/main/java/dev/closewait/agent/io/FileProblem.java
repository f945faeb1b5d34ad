package dev.closewait.agent.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Why a file could not be used, in words a user reads after a path: the JDK's file exceptions carry
 * the path as their message and the reason in their type or in {@link FileSystemException#getReason()},
 * so their own text says "cannot read /x: /x" or names a class.
 */
public final class FileProblem {

    /** Why an open of a symbolic link failed: the agent opens its log without following links. */
    public static final String SYMBOLIC_LINK = "it is a symbolic link, which closewait does not follow";
    /** Why a directory cannot be opened as a file: the kernel's words for EISDIR, as the JDK gives them. */
    public static final String DIRECTORY = "Is a directory";

    /** The kernel's words for ELOOP, which an open that does not follow links gets on a link (as a plain {@code IOException}). */
    private static final String LINK_LOOP = "Too many levels of symbolic links";

    private FileProblem() {
    }

    /** Why {@code problem} (or the first file exception among its causes) happened. */
    public static String reason(Throwable problem) {
        for (Throwable cause = problem; cause != null; cause = cause.getCause()) {
            if (cause instanceof NoSuchFileException) {
                return "no such file or directory";
            }
            if (cause instanceof AccessDeniedException) {
                return "permission denied";
            }
            if (cause instanceof FileAlreadyExistsException) {
                return "something else of that name is in the way";
            }
            String reason = cause instanceof FileSystemException ? ((FileSystemException) cause).getReason()
                    : cause.getMessage();
            if (reason != null && reason.startsWith(LINK_LOOP)) {
                return SYMBOLIC_LINK; // the JDK throws a plain IOException
            }
            if (cause instanceof FileSystemException && reason != null) {
                return reason;
            }
        }
        String message = problem.getMessage();
        return message == null || message.isEmpty() ? problem.getClass().getSimpleName() : message;
    }
}
