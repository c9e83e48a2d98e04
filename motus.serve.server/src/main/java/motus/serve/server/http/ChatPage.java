package motus.serve.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chat page at {@code /ui}: three static files that act only through the API, with the
 * caller's API key like any client. So they load without a key: register this service before
 * the API's, whose filter asks for one.
 */
public final class ChatPage implements HttpService {

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    private final Map<String, byte[]> contents;

    public ChatPage() {
        contents = FILES.keySet().stream().collect(Collectors.toUnmodifiableMap(file -> file, ChatPage::read));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/ui", (request, response) -> {
            response.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "/ui/").send();
        });
        rules.get("/ui/", (request, response) -> send(response, "index.html"));
        for (String file : FILES.keySet()) {
            rules.get("/ui/" + file, (request, response) -> send(response, file));
        }
    }

    private void send(ServerResponse response, String file) {
        response.header(HeaderNames.CONTENT_TYPE, FILES.get(file))
                // The page talks to its own origin only; nothing inline, nothing from elsewhere.
                .header(HeaderValues.create("Content-Security-Policy",
                        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"))
                .header(HeaderValues.create("X-Content-Type-Options", "nosniff"))
                .header(HeaderNames.CACHE_CONTROL, "no-cache")
                .send(contents.get(file));
    }

    private static byte[] read(String file) {
        try (InputStream in = ChatPage.class.getResourceAsStream("/motus/serve/server/ui/" + file)) {
            if (in == null) {
                throw new IllegalStateException("the chat page's " + file + " is missing from motus.serve.server");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
