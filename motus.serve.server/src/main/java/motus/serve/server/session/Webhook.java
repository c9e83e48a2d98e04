package motus.serve.server.session;

import org.jspecify.annotations.Nullable;

/**
 * Where to report the end of a turn.
 *
 * @param url what to POST the session's outcome to
 * @param token sent as {@code Authorization: Bearer <token>} when present
 * @param includeMessages whether the payload carries the session's full state
 */
public record Webhook(String url, @Nullable String token, boolean includeMessages) {
}
