package motus.serve.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for the tests, one per test JVM, started on first use by
 * {@code tools/scratch-postgres} (the machine's own binaries) and stopped when the JVM exits.
 * Each caller gets a database of its own.
 */
final class Postgres {

    private static final Path SCRIPT = Path.of(System.getProperty("motus.scratch.postgres", "../tools/scratch-postgres"));
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Postgres running;

    private final Path folder;
    private final String url;

    private Postgres(Path folder, String url) {
        this.folder = folder;
        this.url = url;
    }

    /** The test JVM's server, started on first use. */
    static synchronized Postgres server() {
        if (running == null) {
            try (ServerSocket socket = new ServerSocket(0)) {
                // Right under the temp folder: under root the cluster belongs to postgres, who must reach it.
                Path folder = Path.of(System.getProperty("java.io.tmpdir"), "motus-pg-" + ProcessHandle.current().pid());
                int port = socket.getLocalPort();
                socket.close();
                running = new Postgres(folder, script("start", folder.toString(), String.valueOf(port)).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(running::destroy));
        }
        return running;
    }

    /** A new, empty database on the server: its JDBC URL, credentials included. */
    String newDatabase() {
        String name = "motus_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement()) {
            sql.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database", e);
        }
        return url.replace("/motus?", "/" + name + "?");
    }

    /** Stops the server at once, as a database going away does; {@link #restart} brings it back on the same port. */
    void stop() {
        script("stop", folder.toString());
    }

    void restart() {
        script("restart", folder.toString());
    }

    private void destroy() {
        try {
            script("destroy", folder.toString());
        } catch (RuntimeException e) {
            // the JVM is exiting; what is left is in the temp folder
        }
    }

    private static String script(String... arguments) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (its error output is above)");
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
