package motus.serve.cli;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** {@code --log-level}: the original's four level names, mapped onto java.util.logging. */
enum LogLevel {
    DEBUG(Level.FINE), INFO(Level.INFO), WARNING(Level.WARNING), ERROR(Level.SEVERE);

    private final Level level;

    LogLevel(Level level) {
        this.level = level;
    }

    static LogLevel parse(String text, String key) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": must be debug, info, warning or error, not '" + text + "'");
        }
    }

    /** One line per record on standard error; Helidon's own start-up chatter only when debugging. */
    void apply() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        console.setLevel(level);
        root.addHandler(console);
        root.setLevel(level);
        Logger.getLogger("io.helidon").setLevel(this == DEBUG ? level : Level.WARNING);
    }
}
