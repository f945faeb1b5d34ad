package dev.closewait.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;

import dev.closewait.agent.identity.AgentIdentity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.Properties;

/**
 * A JVM on this machine, reached through the attach API; use only after
 * {@link CloseWaitCli#requireAttachModule()} (this class names attach-API types, which a runtime
 * without jdk.attach cannot even verify). Every refusal becomes a {@link CliProblem}
 * with a sentence that says why and what to do. Never attaches to a process that is not a JVM:
 * the attach handshake sends it SIGQUIT, which would kill it.
 */
final class TargetJvm implements AutoCloseable {

    private final long pid;
    private final VirtualMachine vm;

    private TargetJvm(long pid, VirtualMachine vm) {
        this.pid = pid;
        this.vm = vm;
    }

    /** Attaches to {@code pid} after checking that it is a JVM this user can attach to. */
    static TargetJvm attach(long pid) throws CliProblem {
        if (pid == ProcessHandle.current().pid()) {
            throw new CliProblem("process " + pid + " is this command itself");
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            throw new CliProblem("there is no process " + pid + " on this machine");
        }
        requireJvm(process.get());
        try {
            return new TargetJvm(pid, VirtualMachine.attach(Long.toString(pid)));
        } catch (AttachNotSupportedException | IOException refused) {
            String why = String.valueOf(refused.getMessage());
            if (why.contains("does not support the attach mechanism")) {
                throw new CliProblem("JVM " + pid + " accepts no attach: it was started with -XX:+DisableAttachMechanism."
                        + " Restart it with -javaagent:closewait-agent.jar instead.");
            }
            String owner = owner(process.get());
            throw new CliProblem("cannot attach to JVM " + pid + ": " + why + "." + (ownedByThisUser(owner) ? ""
                    : " The attach API works only between processes of the same user: run this command as " + owner
                    + " (for example: sudo -u " + owner + " java -jar closewait-agent.jar ...)."));
        }
    }

    private static void requireJvm(ProcessHandle process) throws CliProblem {
        String id = Long.toString(process.pid());
        for (VirtualMachineDescriptor listed : VirtualMachine.list()) {
            if (listed.id().equals(id)) {
                return;
            }
        }
        Path maps = Paths.get("/proc", id, "maps");
        String command = process.info().command().orElse("command not visible to this user");
        String maybeJvm;
        try {
            maybeJvm = new String(Files.readAllBytes(maps), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException notReadable) {
            maybeJvm = null; // another user's process, or no /proc here
        }
        if (maybeJvm != null && maybeJvm.contains("/libjvm.so")) {
            return; // a JVM that does not publish itself (-XX:-UsePerfData): attach will tell
        }
        if (maybeJvm != null) {
            throw new CliProblem("process " + id + " (" + command + ") is not a Java virtual machine");
        }
        String owner = owner(process);
        throw new CliProblem("process " + id + " (" + command + ", owned by " + owner + ") is not a JVM"
                + " that this user can attach to: 'jps' does not list it" + (ownedByThisUser(owner)
                ? ", and this user may not read its memory map to tell (another container's process?)."
                : ". The attach API works only between processes of the same user: run this command as " + owner + "."));
    }

    private static boolean ownedByThisUser(String owner) {
        return owner.equals(System.getProperty("user.name"));
    }

    private static String owner(ProcessHandle process) {
        try {
            return Files.getOwner(Paths.get("/proc", Long.toString(process.pid()))).getName();
        } catch (IOException | RuntimeException unknown) {
            return process.info().user().orElse("another user");
        }
    }

    /** The JVMs this user could attach to here, other than this one, as pid and display name, by pid. */
    static java.util.List<java.util.Map.Entry<Long, String>> list() {
        long self = ProcessHandle.current().pid();
        java.util.List<java.util.Map.Entry<Long, String>> jvms = new java.util.ArrayList<>();
        for (VirtualMachineDescriptor listed : VirtualMachine.list()) {
            try {
                long pid = Long.parseLong(listed.id());
                if (pid != self) {
                    jvms.add(new java.util.AbstractMap.SimpleImmutableEntry<>(pid, listed.displayName()));
                }
            } catch (NumberFormatException notAPid) {
                // not a local process id
            }
        }
        jvms.sort(java.util.Map.Entry.comparingByKey());
        return jvms;
    }

    long pid() {
        return pid;
    }

    Properties systemProperties() throws CliProblem {
        try {
            return vm.getSystemProperties();
        } catch (IOException lost) {
            throw new CliProblem("lost the connection to JVM " + pid + ": " + lost.getMessage());
        }
    }

    /** The version of closewait running in the target, or {@code null}. */
    String agentVersion() throws CliProblem {
        return systemProperties().getProperty(AgentIdentity.RUNNING_PROPERTY);
    }

    /** Loads the agent jar into the target with {@code options}. */
    void loadAgent(Path jar, String options) throws CliProblem {
        try {
            vm.loadAgent(jar.toString(), options);
        } catch (AgentLoadException refused) {
            String why = refused.getMessage() == null ? refused.toString() : refused.getMessage();
            if (why.contains("Dynamic agent loading is not enabled")) {
                throw new CliProblem("JVM " + pid + " refuses agents loaded at run time: it was started with"
                        + " -XX:-EnableDynamicAgentLoading. Restart it with -javaagent:closewait-agent.jar instead.");
            }
            throw new CliProblem("JVM " + pid + " refused the agent: " + why);
        } catch (AgentInitializationException failed) {
            throw new CliProblem("the agent failed to start in JVM " + pid + " (its standard error says why): "
                    + failed.getMessage());
        } catch (IOException lost) {
            throw new CliProblem("lost the connection to JVM " + pid + " while loading the agent: " + lost.getMessage());
        }
    }

    /**
     * The target's agent properties as the attach API returns them; a running closewait adds its
     * live report to this answer (see {@code LiveReportProperties}). Starts nothing in the target.
     */
    Properties agentProperties() throws CliProblem {
        try {
            return vm.getAgentProperties();
        } catch (IOException lost) {
            throw new CliProblem("lost the connection to JVM " + pid + " while reading its report: " + lost.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            vm.detach();
        } catch (IOException alreadyGone) {
            // nothing left to release
        }
    }
}
