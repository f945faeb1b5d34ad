package dev.closewait.benchmarks.probe;

/** A hello-world {@code main} for the start-up measurement: it says it has started and returns. */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) {
        System.out.println("main");
        System.out.flush();
    }
}
