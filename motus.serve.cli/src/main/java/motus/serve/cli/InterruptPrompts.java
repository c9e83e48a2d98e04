package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * Asks the human at the terminal what an interrupted turn asks, in the original motus chat's
 * words, and resumes the turn with the answers. Each interrupt is asked once.
 */
final class InterruptPrompts {

    private final ServeClient client;
    private final String sessionId;
    private final PrintWriter out;
    private final Supplier<ReplInput> input;
    private final Set<String> asked = new HashSet<>();

    /** @param input where answers are read; opened only if a question comes */
    InterruptPrompts(ServeClient client, String sessionId, PrintWriter out, Supplier<ReplInput> input) {
        this.client = client;
        this.sessionId = sessionId;
        this.out = out;
        this.input = input;
    }

    /** Asks each of {@code interrupts} (InterruptInfo objects) not asked before, and resumes it. */
    void ask(JsonNode interrupts) throws IOException {
        for (JsonNode interrupt : interrupts) {
            String id = interrupt.path("interrupt_id").asText();
            if (asked.add(id)) {
                JsonNode answer = answer(interrupt.path("type").asText(), interrupt.path("payload"));
                if (answer != null) {
                    ObjectNode body = Json.MAPPER.createObjectNode().put("interrupt_id", id);
                    body.set("value", answer);
                    client.post(ServeClient.session(sessionId) + "/resume", body);
                }
            }
        }
    }

    private @Nullable JsonNode answer(String type, JsonNode payload) throws IOException {
        switch (type) {
            case "tool_approval" -> {
                out.println();
                out.println("[approval] Agent wants to call: " + payload.path("tool_name").asText("<unknown tool>"));
                out.println("           Args: " + (payload.has("tool_args") ? payload.get("tool_args") : "{}"));
                boolean approved = line("           Approve? [y/N]: ").strip().toLowerCase(Locale.ROOT).equals("y");
                return Json.MAPPER.createObjectNode().put("approved", approved);
            }
            case "user_input" -> {
                ObjectNode answers = Json.MAPPER.createObjectNode();
                for (JsonNode question : payload.path("questions")) {
                    String text = question.path("question").asText();
                    JsonNode options = question.path("options");
                    out.println();
                    out.println("[ask] " + text);
                    for (int i = 0; i < options.size(); i++) {
                        out.println("  " + (i + 1) + ". " + options.get(i).path("label").asText()
                                + " — " + options.get(i).path("description").asText(""));
                    }
                    out.println("  " + (options.size() + 1) + ". (Other — type your own answer)");
                    answers.put(text, choice(line("  Choice: ").strip(), options));
                }
                ObjectNode value = Json.MAPPER.createObjectNode();
                value.set("answers", answers);
                return value;
            }
            default -> {
                out.println("[warn] unknown interrupt type: " + type + ", ignoring");
                return null;
            }
        }
    }

    /** A number picks an option, any other number asks for free text, and text is the answer itself. */
    private String choice(String choice, JsonNode options) throws IOException {
        try {
            int index = Integer.parseInt(choice);
            if (index >= 1 && index <= options.size()) {
                return options.get(index - 1).path("label").asText();
            }
            return line("  Your answer: ").strip();
        } catch (NumberFormatException notANumber) {
            return choice;
        }
    }

    /** A line of input; the end of input answers with an empty line (no approval, no choice). */
    private String line(String prompt) throws IOException {
        String line = input.get().readAnswer(prompt);
        return line == null ? "" : line;
    }
}
