package motus.serve.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.helidon.http.Status;
import java.util.List;
import motus.serve.server.session.SessionException;
import motus.serve.wire.Json;
import motus.serve.wire.Problem;

/**
 * A request the contract answers with an error: a status and a {@code detail}, which is a
 * sentence, or for 422 the list of problems with the request.
 */
public final class HttpProblem extends RuntimeException {

    final Status status;
    final JsonNode detail;
    /** Whether the connection closes after the answer: the rest of the body is not worth reading, or cannot be. */
    final boolean closesConnection;

    HttpProblem(Status status, String detail) {
        this(status, TextNode.valueOf(detail), false);
    }

    private HttpProblem(Status status, JsonNode detail, boolean closesConnection) {
        super(detail.toString(), null, false, false);
        this.status = status;
        this.detail = detail;
        this.closesConnection = closesConnection;
    }

    public Status status() {
        return status;
    }

    public boolean closesConnection() {
        return closesConnection;
    }

    /** The detail as one sentence: for 422, its problems' messages. */
    public String message() {
        if (detail.isTextual()) {
            return detail.textValue();
        }
        StringBuilder message = new StringBuilder();
        detail.forEach(problem -> message.append(message.isEmpty() ? "" : "; ").append(problem.path("msg").asText()));
        return message.toString();
    }

    /** A refusal after which the connection closes: a body too large to read, or one whose framing broke. */
    static HttpProblem closing(Status status, String detail) {
        return new HttpProblem(status, TextNode.valueOf(detail), true);
    }

    /** The one place where the session rules' refusals get their HTTP status. */
    static HttpProblem of(SessionException refusal) {
        Status status = switch (refusal.reason()) {
            case NOT_FOUND, UNKNOWN_INTERRUPT -> Status.NOT_FOUND_404;
            case ALREADY_EXISTS, RUNNING, INTERRUPTED, NOT_INTERRUPTED, NOT_RUNNING, QUEUE_FULL -> Status.CONFLICT_409;
            case TOO_MANY, STORAGE_FULL, SHUTTING_DOWN, STORE_UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
        };
        return new HttpProblem(status, refusal.getMessage());
    }

    /** 422: each problem names the field it is about. */
    static HttpProblem invalid(Problem problem) {
        return invalid(List.of(problem));
    }

    /** 422: each problem names the field it is about. */
    static HttpProblem invalid(List<Problem> problems) {
        ArrayNode detail = Json.MAPPER.createArrayNode();
        for (Problem problem : problems) {
            ObjectNode item = detail.addObject();
            ArrayNode loc = item.putArray("loc");
            for (Object step : problem.loc()) {
                if (step instanceof Integer index) {
                    loc.add(index);
                } else {
                    loc.add(step.toString());
                }
            }
            item.put("msg", problem.msg()).put("type", problem.type());
        }
        return new HttpProblem(Status.UNPROCESSABLE_CONTENT_422, detail, false);
    }
}
