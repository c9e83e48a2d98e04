package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** With an API key, everything but the health checks needs the bearer token. */
class ApiKeyTest {

    private static final String KEY = "s3cret-key";

    @Test
    void everyRouteButHealthNeedsTheKey() {
        try (RunningServer server = RunningServer.start(TestAgents.scripted().prewarm(0).apiKey(KEY))) {
            RawHttp http = new RawHttp(server.server().port());
            assertEquals(200, http.send("GET", "/health", (String) null).status());
            assertEquals(200, http.send("GET", "/observe/health/ready", (String) null).status(), "probes need no key");

            RawHttp.Reply missing = http.send("POST", "/sessions", (String) null);
            assertEquals(401, missing.status(), missing.body());
            assertEquals("Bearer", missing.response().headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, http.send("GET", "/sessions", (String) null, "Authorization", "Bearer wrong").status());
            assertEquals(401, http.send("GET", "/sessions", (String) null, "Authorization", "Basic " + KEY).status());
            assertEquals(401, http.send("GET", "/sessions/x/messages", (String) null).status(), "even for what does not exist");
            assertEquals(401, http.send("GET", "/observe/metrics", (String) null).status(), "metrics are not public");
            assertEquals(200, http.send("GET", "/observe/metrics", (String) null, "Authorization", "Bearer " + KEY).status());
            assertEquals(401, http.send("GET", "/openapi", (String) null).status(), "nor is the API's description");

            RawHttp.Reply created = http.send("POST", "/sessions", (String) null, "Authorization", "Bearer " + KEY);
            assertEquals(201, created.status(), created.body());
            String id = created.json().get("session_id").asText();
            RawHttp.Reply sent = http.send("POST", "/sessions/" + id + "/messages", "{\"content\": \"env MOTUS_API_KEY\"}",
                    "Authorization", "bearer " + KEY, "Content-Type", "application/json");
            assertEquals(202, sent.status(), sent.body());
            RawHttp.Reply done = http.send("GET", "/sessions/" + id + "?wait=true&timeout=60", (String) null, "Authorization", "Bearer " + KEY);
            assertEquals("idle", done.json().get("status").asText(), done.body());
        }
    }
}
