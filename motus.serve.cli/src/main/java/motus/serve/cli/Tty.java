package motus.serve.cli;

import java.io.Console;

/** Whether the command talks to a person at a terminal, rather than to pipes or files. */
final class Tty {

    private Tty() {
    }

    /** Console.isTerminal() exists from JDK 22; on 21 a console is there only for a terminal. */
    static boolean attached() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
