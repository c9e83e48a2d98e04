package motus.serve.server;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Whether workers are restored from a checkpointed, prepared worker: the setting {@code worker-snapshots}. */
public enum WorkerSnapshots {

    /** Where CRIU 4.1 or newer works here (checked once at start); otherwise fresh JVMs. */
    AUTO,

    /** Always: the server does not start where CRIU cannot restore workers, and says what is missing. */
    ON,

    /** Never: every worker is a fresh JVM. */
    OFF;

    /** As the flag and config files spell it: {@code auto}, {@code on}, {@code off}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Also takes {@code true} and {@code false}: YAML reads an unquoted {@code on} and {@code off}
     * as booleans, so that is what a config file's {@code worker-snapshots: off} arrives as.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static WorkerSnapshots parse(String text) {
        String name = switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> "on";
            case "false" -> "off";
            case String other -> other;
        };
        return Arrays.stream(values())
                .filter(value -> value.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("worker-snapshots must be one of "
                        + Arrays.stream(values()).map(WorkerSnapshots::wireName).collect(Collectors.joining(", "))
                        + ", not '" + text + "'"));
    }

    @Override
    public String toString() {
        return wireName();
    }
}
