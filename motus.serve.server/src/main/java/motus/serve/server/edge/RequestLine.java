package motus.serve.server.edge;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import motus.serve.wire.Json;

/**
 * What the request line asks for, before any route sees it. {@code HEAD} is answered as
 * {@code GET} would be, without the body: Helidon routes HEAD only where a route names it, and
 * would write the body of any answer to HEAD (a 405, a 401), which a client then reads as the
 * start of the next response. A target in absolute form ({@code http://host/path}) is served
 * only for {@code http} and {@code https}: Helidon serves the path of any scheme.
 */
final class RequestLine implements Filter {

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        HttpPrologue prologue = request.prologue();
        String target = prologue.uriPath().rawPath();
        int schemeEnd = target.indexOf("://");
        if (!target.startsWith("/") && schemeEnd > 0) {
            String scheme = target.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                response.status(Status.BAD_REQUEST_400).header(HeaderNames.CONTENT_TYPE, "application/json");
                response.send(Json.bytes(Json.MAPPER.createObjectNode().put("detail",
                        "The request target's scheme must be http or https, not " + scheme)));
                return;
            }
        }
        if (prologue.method() == Method.HEAD) {
            request.prologue(HttpPrologue.create(prologue.rawProtocol(), prologue.protocol(), prologue.protocolVersion(),
                    Method.GET, prologue.uriPath(), prologue.query(), prologue.fragment()));
            // Helidon then counts the body it writes as none: Content-Length 0, which HEAD's clients ignore.
            response.streamFilter(NoBody::new);
        }
        chain.proceed();
    }

    /** Drops what a route writes; closing it still ends the response. */
    private static final class NoBody extends OutputStream {

        private final OutputStream response;

        NoBody(OutputStream response) {
            this.response = response;
        }

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }

        @Override
        public void close() throws IOException {
            response.close();
        }
    }
}
