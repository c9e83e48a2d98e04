package motus.serve.server.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * Scores an agent's output against criteria with a model: {@code POST /eval/judge}. It asks an
 * OpenAI-compatible chat-completions endpoint, in the server itself (never in a worker, never
 * with agent code), for a verdict in a fixed JSON schema.
 */
public final class Judge {

    /** The model when a request names none, as the original server's. */
    public static final String DEFAULT_MODEL = "claude-haiku-4-5";
    /** The whole call, connecting to the model's last byte. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final String ROLE = """
            You are an impartial evaluator of an AI agent's answers. You are given what a user sent \
            the agent, what the agent answered, and the criteria the answer must meet. Judge only \
            the answer against the criteria. Give a score from 0 (fails them entirely) to 1 (meets \
            them fully), whether the answer passes, and one or two sentences saying why.""";

    private final @Nullable URI completions;
    /** Why there is no endpoint to call, when {@link #completions} is null. */
    private final String missing;
    private final @Nullable String apiKey;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /**
     * @param baseUrl where the OpenAI-compatible API is ({@code https://host/v1}); null: every call fails
     * @param apiKey sent as its bearer token; null: every call fails
     */
    public Judge(@Nullable String baseUrl, @Nullable String apiKey) {
        URI endpoint = null;
        String why = "the server has no OPENAI_BASE_URL";
        if (baseUrl != null && !baseUrl.isBlank()) {
            // A base URL that is no URL fails the judge's calls, not the server's start.
            try {
                endpoint = URI.create(baseUrl.strip().replaceAll("/+$", "") + "/chat/completions");
            } catch (IllegalArgumentException e) {
                why = "OPENAI_BASE_URL is not a URL (" + e.getMessage() + ")";
            }
        }
        this.completions = endpoint;
        this.missing = why;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    }

    /** The judge of the server's own {@code OPENAI_BASE_URL} and {@code OPENAI_API_KEY}. */
    public static Judge fromEnvironment() {
        return new Judge(System.getenv("OPENAI_BASE_URL"), System.getenv("OPENAI_API_KEY"));
    }

    /** A verdict: {@code score} in [0, 1]. */
    public record Verdict(double score, boolean passed, String reason) {
    }

    /**
     * Asks the model for its verdict on {@code output}.
     *
     * @throws JudgeException saying why there is none: no endpoint configured, an error status,
     *                        an answer that is no verdict, a call that failed or took too long
     */
    public Verdict judge(String input, String output, String criteria, String model) throws JudgeException {
        if (completions == null) {
            throw new JudgeException("no model endpoint: " + missing);
        }
        if (apiKey == null) {
            throw new JudgeException("no model endpoint: the server has no OPENAI_API_KEY");
        }
        HttpResponse<String> answer;
        try {
            answer = client.send(HttpRequest.newBuilder(completions)
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + apiKey)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(request(input, output, criteria, model))))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            throw new JudgeException("the call to " + completions + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeException("interrupted");
        }
        if (answer.statusCode() != 200) {
            throw new JudgeException(completions + " answered " + answer.statusCode());
        }
        return verdict(answer.body());
    }

    private static ObjectNode request(String input, String output, String criteria, String model) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", model).put("temperature", 0);
        body.putArray("messages")
                .add(Json.MAPPER.createObjectNode().put("role", "system").put("content", ROLE))
                .add(Json.MAPPER.createObjectNode().put("role", "user").put("content",
                        "## What the user sent\n" + input + "\n\n## What the agent answered\n" + output
                                + "\n\n## The criteria\n" + criteria));
        ObjectNode schema = body.putObject("response_format").put("type", "json_schema")
                .putObject("json_schema").put("name", "verdict").put("strict", true)
                .putObject("schema").put("type", "object").put("additionalProperties", false);
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("score").put("type", "number").put("description", "0 to 1");
        properties.putObject("passed").put("type", "boolean");
        properties.putObject("reason").put("type", "string");
        schema.putArray("required").add("score").add("passed").add("reason");
        return body;
    }

    /** The verdict in a chat completion: its first choice's content, JSON in the schema (a Markdown fence around it is allowed). */
    private static Verdict verdict(String completion) throws JudgeException {
        try {
            String content = Json.MAPPER.readTree(completion).path("choices").path(0).path("message").path("content").asText("")
                    .strip().replaceAll("^```(?:json)?\\s*|\\s*```$", "");
            JsonNode verdict = Json.MAPPER.readTree(content);
            JsonNode score = verdict.path("score");
            JsonNode passed = verdict.path("passed");
            JsonNode reason = verdict.path("reason");
            if (!score.isNumber() || !Double.isFinite(score.asDouble()) || !passed.isBoolean() || !reason.isTextual()) {
                throw new JudgeException("the model's answer is not a verdict: " + abbreviate(content));
            }
            return new Verdict(Math.clamp(score.asDouble(), 0.0, 1.0), passed.booleanValue(), reason.textValue());
        } catch (IOException e) {
            throw new JudgeException("the model's answer is not JSON: " + abbreviate(completion));
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
