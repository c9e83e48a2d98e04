package motus.serve.cli;

import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;

/** A spinner on the terminal while the agent works; nothing at all when output is not a terminal. */
final class WaitingIndicator implements AutoCloseable {

    private static final String FRAMES = "|/-\\";

    private final PrintWriter out;
    private final @Nullable Thread spinner;
    private boolean closed;

    private WaitingIndicator(PrintWriter out, boolean visible) {
        this.out = out;
        this.spinner = visible ? Thread.ofVirtual().start(this::spin) : null;
    }

    static WaitingIndicator show(PrintWriter out) {
        return new WaitingIndicator(out, Tty.attached());
    }

    private void spin() {
        try {
            for (int frame = 0; ; frame++) {
                Thread.sleep(frame == 0 ? 300 : 100); // quick answers never see it
                synchronized (out) {
                    out.print("\r" + FRAMES.charAt(frame % FRAMES.length()) + " thinking...");
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            // the reply is here
        }
    }

    /** Stops the spinner and clears its line; only the first call does anything. */
    @Override
    public void close() {
        if (spinner == null || closed) {
            return;
        }
        closed = true;
        spinner.interrupt();
        try {
            spinner.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (out) {
            out.print("\r              \r");
            out.flush();
        }
    }
}
