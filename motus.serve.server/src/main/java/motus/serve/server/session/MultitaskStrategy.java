package motus.serve.server.session;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** What a message sent while the session's turn runs (or waits on an interrupt) does: "double texting". */
public enum MultitaskStrategy {
    /** Refused (409), and nothing changes: the original's behaviour. */
    REJECT,
    /** Runs after the current turn and those queued before it, in order. */
    ENQUEUE,
    /** The current turn ends as if cancelled, its state untouched, and this message's turn starts at once. */
    INTERRUPT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The strategy named {@code wireName} ({@code reject}, {@code enqueue}, {@code interrupt}), or null. */
    public static @Nullable MultitaskStrategy fromWireName(String wireName) {
        for (MultitaskStrategy strategy : values()) {
            if (strategy.wireName().equals(wireName)) {
                return strategy;
            }
        }
        return null;
    }
}
