package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image's {@code bin/motus} run as a real process, with no JDK on PATH and no JAVA_HOME:
 * a machine that has nothing but the image. Standard error joins standard output.
 */
final class Motus implements AutoCloseable {

    static final Path IMAGE = Path.of(System.getProperty("motus.image", "target/motus")).toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("Serving .* on http://[^\\s:]+:(\\d+)");

    final Process process;
    private final List<String> lines = new ArrayList<>();

    private Motus(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().start(this::readLines);
    }

    /** What a command that ran to its end printed, and its exit code. */
    record Result(int exitCode, String output) {
    }

    /** Starts a long-running {@code bin/motus}, such as {@code serve start}. */
    static Motus start(Path workingDirectory, String... args) throws IOException {
        return start(workingDirectory, Map.of(), args);
    }

    static Motus start(Path workingDirectory, Map<String, String> environment, String... args) throws IOException {
        ProcessBuilder builder = builder(IMAGE, workingDirectory, args);
        builder.environment().putAll(environment);
        return new Motus(builder.start());
    }

    /** Starts it with at most {@code descriptors} open files (soft and hard limit), as {@code ulimit -n} would. */
    static Motus startWithDescriptorLimit(int descriptors, Path workingDirectory, String... args) throws IOException {
        ProcessBuilder builder = builder(IMAGE, workingDirectory, args);
        builder.command().addAll(0, List.of("/usr/bin/prlimit", "--nofile=" + descriptors + ":" + descriptors, "--"));
        return new Motus(builder.start());
    }

    /** Runs {@code bin/motus} to its end with {@code input} as standard input. */
    static Result run(Path workingDirectory, String input, String... args) throws IOException, InterruptedException {
        return run(workingDirectory, Map.of(), input, args);
    }

    static Result run(Path workingDirectory, Map<String, String> environment, String input, String... args)
            throws IOException, InterruptedException {
        return run(IMAGE, workingDirectory, environment, input, args);
    }

    /** The same, from another copy of the image. */
    static Result run(Path image, Path workingDirectory, Map<String, String> environment, String input, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder builder = builder(image, workingDirectory, args);
        builder.environment().putAll(environment);
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "motus " + String.join(" ", args) + " did not finish");
        return new Result(process.exitValue(), output);
    }

    private static ProcessBuilder builder(Path image, Path workingDirectory, String... args) {
        List<String> command = new ArrayList<>();
        command.add(image.resolve("bin/motus").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", "/nonexistent"); // no java, no JAVA_HOME, not even dirname
        builder.environment().put("HOME", workingDirectory.toString());
        // Off unless a test turns it on: its training JVM would be one more child where tests count them.
        builder.environment().put("MOTUS_SERVE_AGENT_dash_AOT_dash_CACHE", "false");
        return builder;
    }

    /** The body of a GET that must answer 200. */
    static String get(String url) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return response.body();
        }
    }

    static String example(String name) {
        Path jar = IMAGE.resolve("examples/example-" + name + ".jar");
        assertTrue(Files.isRegularFile(jar), "no example " + jar);
        return jar.toString();
    }

    /** The port from the "Serving ... on http://host:port" line, once it is printed. */
    int awaitPort(Duration deadline) throws InterruptedException {
        return Integer.parseInt(awaitLine(LISTENING, deadline).group(1));
    }

    Matcher awaitLine(Pattern pattern, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (lines) {
            for (int seen = 0; ; ) {
                for (; seen < lines.size(); seen++) {
                    Matcher matcher = pattern.matcher(lines.get(seen));
                    if (matcher.find()) {
                        return matcher;
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    fail("no line matching " + pattern + " within " + deadline + "; output:\n" + String.join("\n", lines));
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left);
            }
        }
    }

    /** SIGTERM, as systemd or Kubernetes send it; unlike Process.destroy() it leaves the output readable. */
    void sigterm() {
        process.toHandle().destroy();
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
