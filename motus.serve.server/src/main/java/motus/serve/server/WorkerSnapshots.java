package motus.serve.server;

import java.util.Locale;

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

    @Override
    public String toString() {
        return wireName();
    }
}
