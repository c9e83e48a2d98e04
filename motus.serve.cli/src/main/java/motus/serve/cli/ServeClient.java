package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import motus.serve.server.Settings;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * Talks to a motus serve server over HTTP. Every failure becomes a {@link ClientException}
 * that says what went wrong: {@code <status> - <body>} or {@code Could not connect to <url>}.
 */
final class ServeClient {

    private final String url;
    private final String base;
    private final @Nullable String apiKey;
    private final HttpClient http;

    /** @param apiKey sent as a bearer token; null: {@code MOTUS_API_KEY}'s, if it is set */
    ServeClient(String url, @Nullable String apiKey) {
        this.url = url;
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String key = apiKey != null ? apiKey : System.getenv(Settings.API_KEY_VARIABLE); // a constant: the server's classes are not loaded
        this.apiKey = key == null || key.isBlank() ? null : key;
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            throw new ClientException("'" + url + "' is not an http:// or https:// URL");
        }
        this.http = httpClient(base.startsWith("https://"));
    }

    /**
     * Without a TLS context of its own, the JDK's client loads the default one, trust store and
     * all, even for {@code http://}: about 100 ms of every command. A plain-HTTP client gets an
     * uninitialised context it never uses.
     */
    private static HttpClient httpClient(boolean tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (!tls) {
            try {
                builder.sslContext(SSLContext.getInstance("TLS")).sslParameters(new SSLParameters());
            } catch (NoSuchAlgorithmException e) {
                // every JDK has TLS; if not, the default context it is
            }
        }
        return builder.build();
    }

    /** {@code /sessions/{id}} with the id made safe for a path. */
    static String session(String id) {
        return "/sessions/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return get(path, Map.of());
    }

    JsonNode get(String path, Map<String, String> query) {
        StringJoiner parameters = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((name, value) -> parameters.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return send(request(path + parameters).GET());
    }

    JsonNode post(String path, @Nullable ObjectNode body) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8);
        return send(request(path).header("Content-Type", "application/json").POST(publisher));
    }

    void delete(String path) {
        send(request(path).DELETE());
    }

    /**
     * Opens the event stream of a request ({@code GET .../events}, or a send with
     * {@code Accept: text/event-stream}) and hands its events to {@code handler} until it says stop.
     */
    void stream(String path, @Nullable ObjectNode body, Predicate<ServerEvent> handler) {
        HttpRequest.Builder request = request(path).setHeader("Accept", "text/event-stream");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream events = response.body()) {
                if (response.statusCode() >= 300) {
                    throw refused(response.statusCode(), new String(events.readAllBytes(), StandardCharsets.UTF_8));
                }
                ServerEvent.read(events, handler);
            }
        } catch (IOException e) {
            throw new ClientException("Could not connect to " + url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    /** A session's status, long-polling until it is no longer running. */
    JsonNode awaitSession(String id, @Nullable Double timeoutSeconds) {
        Map<String, String> query = timeoutSeconds == null
                ? Map.of("wait", "true")
                : Map.of("wait", "true", "timeout", String.valueOf(timeoutSeconds));
        return get(session(id), query);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder;
        try {
            builder = HttpRequest.newBuilder(URI.create(base + path));
        } catch (IllegalArgumentException e) {
            throw new ClientException("'" + url + "' is not a valid URL: " + e.getMessage());
        }
        builder.setHeader("Accept", "application/json");
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    /** The server's refusal as the command reports it; a 401 also says how to give the key. */
    private ClientException refused(int status, String body) {
        String hint = status != 401 ? ""
                : apiKey == null ? " (the server wants an API key: set " + Settings.API_KEY_VARIABLE + " or pass --api-key KEY)"
                : " (the API key given, by --api-key or " + Settings.API_KEY_VARIABLE + ", is not the server's)";
        return new ClientException(status + " - " + body + hint);
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ClientException("Could not connect to " + url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
        if (response.statusCode() >= 300) {
            throw refused(response.statusCode(), response.body());
        }
        if (response.body().isEmpty()) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("the server answered something that is not JSON: " + response.body(), e);
        }
    }
}
