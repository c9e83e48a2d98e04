package motus.serve.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.helidon.http.Status;
import java.util.List;
import motus.serve.worker.Problem;

/**
 * A request the contract answers with an error: a status and a {@code detail}, which is a
 * sentence, or for 422 the list of problems with the request.
 */
final class HttpProblem extends RuntimeException {

    final Status status;
    final JsonNode detail;

    HttpProblem(Status status, String detail) {
        this(status, TextNode.valueOf(detail));
    }

    private HttpProblem(Status status, JsonNode detail) {
        super(detail.toString(), null, false, false);
        this.status = status;
        this.detail = detail;
    }

    static HttpProblem sessionNotFound() {
        return new HttpProblem(Status.NOT_FOUND_404, "Session not found");
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
        return new HttpProblem(Status.UNPROCESSABLE_CONTENT_422, detail);
    }
}
