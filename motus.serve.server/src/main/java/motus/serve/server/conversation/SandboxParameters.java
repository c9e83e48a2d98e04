package motus.serve.server.conversation;

import java.util.LinkedHashMap;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.Webhook;
import motus.serve.wire.JsonValues;
import org.jspecify.annotations.Nullable;

/**
 * The original's sandbox parameters: {@code user_params.sandbox_url} and {@code sandbox_token}
 * leave the message the agent sees and become the environment variables {@code SANDBOX_URL} and
 * {@code SANDBOX_TOKEN} of that turn's worker alone, so that agent code and the processes it
 * starts reach the sandbox without the credentials ever entering the conversation.
 */
final class SandboxParameters {

    /** Which {@code user_params} key becomes which variable. */
    private static final Map<String, String> VARIABLES = Map.of("sandbox_url", "SANDBOX_URL", "sandbox_token", "SANDBOX_TOKEN");

    private SandboxParameters() {
    }

    /**
     * The message without the sandbox parameters (and with no {@code user_params} at all if
     * nothing else was in them), with the variables they make. A null value makes none; a text
     * is taken as is, any other value as its JSON.
     */
    static Incoming split(ChatMessage message, @Nullable Webhook webhook) {
        Map<String, @Nullable Object> params = message.userParams();
        if (params == null || VARIABLES.keySet().stream().noneMatch(params::containsKey)) {
            return new Incoming(message, webhook);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        Map<String, @Nullable Object> rest = new LinkedHashMap<>();
        params.forEach((key, value) -> {
            String variable = VARIABLES.get(key);
            if (variable == null) {
                rest.put(key, value);
            } else if (value != null) {
                environment.put(variable, value instanceof String text ? text : JsonValues.toJson(value).toString());
            }
        });
        return new Incoming(message.withUserParams(rest.isEmpty() ? null : rest), webhook, environment);
    }
}
