package dev.closewait.cli;

/**
 * {@code java -jar closewait-agent.jar}: for now it explains how to use the agent. The commands
 * {@code attach}, {@code report}, {@code check} and {@code list} are not built yet.
 */
public final class CloseWaitCli {

    private CloseWaitCli() {
    }

    public static void main(String[] args) {
        String version = CloseWaitCli.class.getPackage().getImplementationVersion();
        boolean help = args.length == 0 || args[0].equals("--help") || args[0].equals("-h");
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println("closewait " + (version == null ? "dev" : version));
            return;
        }
        String usage = "closewait " + (version == null ? "dev" : version)
                + ": finds the code that leaves TCP connections in CLOSE_WAIT.\n\n"
                + "Usage: java -javaagent:closewait-agent.jar[=options] -jar app.jar\n"
                + "Options: " + dev.closewait.agent.AgentOptions.describeAll() + "\n\n"
                + "The attach, report, check and list commands are not available in this version.\n";
        if (help) {
            System.out.print(usage);
            return;
        }
        System.err.print("closewait: unknown command '" + args[0] + "'\n\n" + usage);
        System.exit(2);
    }
}
