package motus.serve.server.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import motus.serve.server.http.HttpProblem;
import motus.serve.server.http.RequestLimits;
import motus.serve.server.http.Requests;
import java.lang.System.Logger.Level;
import java.util.function.Function;
import motus.serve.server.session.SessionException;
import motus.serve.wire.Json;

/**
 * JSON-RPC 2.0, as both agent protocols (A2A, MCP) carry it over HTTP: one request per body,
 * read within the server's limits, and its two answers.
 */
public final class JsonRpc {

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private JsonRpc() {
    }

    /** A request the protocol answers with a JSON-RPC error: a code, and a message that says what is wrong. */
    public static class Failure extends RuntimeException {

        private final int code;
        private final Status status;
        private final boolean closesConnection;

        public Failure(int code, String message) {
            this(code, message, Status.OK_200, false);
        }

        /**
         * @param status the HTTP status it goes with (JSON-RPC's errors go with 200)
         * @param closesConnection whether the connection closes after it: the rest of the body is not worth reading
         */
        public Failure(int code, String message, Status status, boolean closesConnection) {
            super(message, null, false, false);
            this.code = code;
            this.status = status;
            this.closesConnection = closesConnection;
        }

        public int code() {
            return code;
        }

        /** Answers {@code id} with this error. */
        public void send(ServerResponse response, JsonNode id) {
            if (closesConnection) {
                response.header(HeaderValues.CONNECTION_CLOSE);
            }
            JsonRpc.send(response, status, error(id, code, getMessage()));
        }
    }

    /** What a protocol does with one message; what it throws, {@link #endpoint} answers. */
    @FunctionalInterface
    public interface Call {
        /**
         * @param id the message's id: a string or a whole number, else null (a notification, a response, or a bad id)
         */
        void handle(ServerRequest request, ServerResponse response, ObjectNode message, JsonNode id)
                throws InterruptedException;
    }

    /**
     * The handler of a protocol's endpoint: reads one message within the server's limits, hands it
     * to {@code call}, and turns whatever that throws into the JSON-RPC error that says why, in
     * this one place.
     *
     * @param protocol names the protocol in the log of an unexpected failure
     * @param refusals the protocol's error for each refusal of the session rules
     */
    public static Handler endpoint(String protocol, RequestLimits limits, Function<SessionException, Failure> refusals,
                                   Call call) {
        return (request, response) -> {
            JsonNode id = NullNode.instance;
            try {
                ObjectNode message = read(request, limits);
                id = id(message);
                call.handle(request, response, message, id);
            } catch (Failure e) {
                e.send(response, id);
            } catch (SessionException refusal) {
                refusals.apply(refusal).send(response, id);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(response, Status.OK_200, error(id, INTERNAL_ERROR, "Server is shutting down"));
            } catch (CloseConnectionException e) {
                throw e; // a body not received in time: there is no one to answer
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, protocol + " request failed", e);
                send(response, Status.OK_200, error(id, INTERNAL_ERROR, "Internal error"));
            }
        };
    }

    /**
     * The body: one JSON-RPC message, an object.
     *
     * @throws Failure a parse error, an invalid request, or a body over the size limit (with 413)
     */
    private static ObjectNode read(ServerRequest request, RequestLimits limits) {
        JsonNode body;
        try {
            body = Requests.body(request, limits);
        } catch (HttpProblem problem) {
            if (problem.status() == Status.UNPROCESSABLE_CONTENT_422) {
                throw new Failure(PARSE_ERROR, "Parse error: " + problem.message());
            }
            // Too large, or its framing broke: the HTTP status says so as well.
            throw new Failure(INVALID_REQUEST, problem.message(), problem.status(), problem.closesConnection());
        }
        if (body == null) {
            throw new Failure(INVALID_REQUEST, "the body is empty: send a JSON-RPC 2.0 message");
        }
        if (body.isArray()) {
            throw new Failure(INVALID_REQUEST, "batches are not supported: send one message per request");
        }
        if (!(body instanceof ObjectNode message) || !body.path("jsonrpc").asText().equals("2.0")) {
            throw new Failure(INVALID_REQUEST, "a JSON-RPC 2.0 message is an object with \"jsonrpc\": \"2.0\"");
        }
        return message;
    }

    /** A request's id: a string or a whole number; null for anything else. */
    private static JsonNode id(JsonNode message) {
        JsonNode id = message.path("id");
        return id.isTextual() || id.isIntegralNumber() ? id : NullNode.instance;
    }

    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    public static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        response.putObject("error").put("code", code).put("message", message);
        return response;
    }

    public static void send(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.bytes(body));
    }
}
