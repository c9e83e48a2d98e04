import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records the server's AOT cache, and the client commands', at image build (a JDK 25
 * single-file program; not shipped).
 * It starts the image's own {@code bin/motus serve start} as a user would, with
 * {@code -XX:AOTCacheOutput} added to its JVM options, drives every route the way clients do,
 * then stops it with SIGTERM; the JVM writes the cache as it exits.
 *
 * <p>Usage: {@code java TrainServer.java <image> <agent> <agent-module-path>}
 */
public class TrainServer {

    private static final Pattern LISTENING = Pattern.compile("Serving .* on http://[^\\s:]+:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]).toAbsolutePath();
        Path cache = image.resolve("lib/motus-server.aot");
        ProcessBuilder builder = new ProcessBuilder(image.resolve("bin/motus").toString(), "serve", "start", args[1],
                "--module-path", args[2], "--host", "127.0.0.1", "--port", "0").redirectErrorStream(true);
        builder.environment().put("MOTUS_JAVA_OPTS", recordingTo(image, "server_opts", cache));
        // No agent cache made in the build machine's home, and no training JVM beside the drive.
        builder.environment().put("MOTUS_SERVE_AGENT_dash_AOT_dash_CACHE", "false");
        Files.deleteIfExists(cache); // else the launcher would start the server with it
        Process server = builder.start();
        List<String> output = new ArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> readOutput(server, output, port));
        boolean exited;
        Exception failure = null;
        try {
            String url = "http://127.0.0.1:" + port.get(2, TimeUnit.MINUTES);
            drive(url);
            trainClient(image, url);
        } catch (Exception e) {
            failure = e; // a cache trained on half the routes would serve, slower, without a word
        } finally {
            // SIGTERM, the graceful stop users get. Through the handle: Process.destroy() would also close
            // the output pipe, and the JVM writing the cache would then fail on it.
            server.toHandle().destroy();
            exited = server.waitFor(5, TimeUnit.MINUTES);
            // The JVM hands the cache to a child JVM as it exits; that child shares the output, so its end is the end.
            reader.join(TimeUnit.MINUTES.toMillis(5));
        }
        if (failure != null || !exited || server.exitValue() != 0 || !Files.isRegularFile(cache)) {
            synchronized (output) {
                System.err.println(String.join("\n", output));
            }
            String state = (exited ? "exit " + server.exitValue() : "still running")
                    + ", cache " + (Files.isRegularFile(cache) ? "written" : "missing");
            Files.deleteIfExists(cache);
            throw new IllegalStateException("the server's AOT training failed (" + state + "); its output is above", failure);
        }
        System.out.println("server AOT cache: " + cache + " (" + Files.size(cache) / (1 << 20) + " MiB)");
    }

    /**
     * bin/motus's default JVM options of the kind {@code defaults} names ({@code server_opts} or
     * {@code client_opts}, read from the launcher so that training and use never differ: a cache
     * recorded with another collector is not used) plus the recording of {@code cache}. They go in
     * MOTUS_JAVA_OPTS, which reaches the motus JVM only, not a server's workers (JDK_JAVA_OPTIONS
     * would). JDK 25's cache of adapter code mismatches on some methods and then warns on every
     * start; the classes are what count, so it is left out.
     */
    private static String recordingTo(Path image, String defaults, Path cache) throws IOException {
        Matcher line = Pattern.compile("(?m)^" + defaults + "=\"([^\"]*)\"$")
                .matcher(Files.readString(image.resolve("bin/motus")));
        if (!line.find()) {
            throw new IllegalStateException("bin/motus sets no " + defaults + "=\"...\"");
        }
        return line.group(1) + " -XX:AOTCacheOutput=" + cache + " -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching";
    }

    /**
     * Records the client commands' cache from a {@code motus serve chat} against the server being
     * trained: the commands share picocli, the HTTP client and Jackson, and chat is the one people wait on.
     */
    private static void trainClient(Path image, String url) throws IOException, InterruptedException {
        Path cache = image.resolve("lib/motus-client.aot");
        Files.deleteIfExists(cache);
        ProcessBuilder builder = new ProcessBuilder(image.resolve("bin/motus").toString(), "serve", "chat", url,
                "hello").redirectErrorStream(true);
        builder.environment().put("MOTUS_JAVA_OPTS", recordingTo(image, "client_opts", cache));
        Process client = builder.start();
        // Read to the end: the child JVM that writes the cache shares this output.
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (client.waitFor() != 0 || !Files.isRegularFile(cache)) {
            throw new IllegalStateException("the client's AOT training failed:\n" + output);
        }
        System.out.println("client AOT cache: " + cache + " (" + Files.size(cache) / (1 << 20) + " MiB)");
    }

    /** The routes a client uses, errors included, a few times over. */
    private static void drive(String url) throws IOException, InterruptedException {
        for (int round = 0; round < 3; round++) {
            call("GET", url + "/health", null);
            String session = field(call("POST", url + "/sessions", null), "session_id");
            for (int turn = 0; turn < 3; turn++) {
                call("POST", url + "/sessions/" + session + "/messages", "{\"content\": \"turn " + turn + "\", \"user_params\": {\"n\": 1}}");
                call("GET", url + "/sessions/" + session + "?wait=true&timeout=60", null);
            }
            call("GET", url + "/sessions/" + session + "/messages", null);
            call("GET", url + "/sessions", null);
            call("POST", url + "/sessions/" + session + "/messages", "{\"role\": \"nobody\"}");
            call("GET", url + "/sessions/00000000-0000-0000-0000-000000000000", null);
            call("PATCH", url + "/sessions", null);
            call("DELETE", url + "/sessions/" + session, null);
            call("GET", url + "/observe/health/ready", null);
            call("GET", url + "/observe/metrics", null);
            call("GET", url + "/openapi", null);
        }
    }

    private static String call(String method, String url, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!matcher.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return matcher.group(1);
    }

    private static void readOutput(Process server, List<String> output, CompletableFuture<Integer> port) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                synchronized (output) {
                    output.add(line);
                }
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    port.complete(Integer.parseInt(matcher.group(1)));
                }
            }
        } catch (IOException e) {
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IllegalStateException("the server stopped before it listened"));
    }
}
