package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import motus.serve.server.judge.Judge;
import motus.serve.server.judge.JudgeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /eval/judge} against a local fake of an OpenAI-compatible endpoint: what the server
 * asks the model, the verdict it answers, and 502 for every way the call can fail.
 */
class JudgeTest {

    private static final String KEY = "judge-test-key";

    /** What the fake endpoint answers next: a status and a body. */
    private static final AtomicReference<String[]> NEXT = new AtomicReference<>();
    private static final BlockingQueue<JsonNode> ASKED = new LinkedBlockingQueue<>();
    private static final BlockingQueue<String> AUTHORIZATIONS = new LinkedBlockingQueue<>();

    private static WebServer model;
    private static RunningServer server;
    private static RunningServer unconfigured;

    @BeforeAll
    static void start() {
        model = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.post("/v1/chat/completions", (request, response) -> {
                    ASKED.add(Api.JSON.readTree(request.content().as(String.class)));
                    AUTHORIZATIONS.add(request.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
                    String[] next = NEXT.get();
                    response.status(Integer.parseInt(next[0])).header(HeaderNames.CONTENT_TYPE, "application/json").send(next[1]);
                }))
                .build().start();
        server = RunningServer.start(TestAgents.standIns().apiKey(KEY)
                .judge(new Judge("http://127.0.0.1:" + model.port() + "/v1/", "sk-judge")));
        unconfigured = RunningServer.start(TestAgents.standIns().judge(new Judge(null, null)));
    }

    @AfterAll
    static void stop() {
        server.close();
        unconfigured.close();
        model.stop();
    }

    /** A chat completion whose content is {@code content}. */
    private static String completion(String content) {
        return Api.JSON.createObjectNode().set("choices", Api.JSON.createArrayNode().add(Api.JSON.createObjectNode()
                .set("message", Api.JSON.createObjectNode().put("role", "assistant").put("content", content)))).toString();
    }

    private static RawHttp.Reply judge(RunningServer target, String body) {
        return new RawHttp(target.server().port()).send("POST", "/eval/judge", body, "Content-Type", "application/json",
                "Authorization", "Bearer " + KEY);
    }

    @Test
    void theModelIsAskedForAVerdictInAFixedSchemaAndItsScoreIsClamped() throws Exception {
        ASKED.clear();
        NEXT.set(new String[] {"200", completion("{\"score\": 1.7, \"passed\": true, \"reason\": \"Says hello.\"}")});
        RawHttp.Reply reply = judge(server, "{\"input\": \"Say hello\", \"output\": \"Hello!\", \"criteria\": \"greets\"}");
        assertEquals(200, reply.status(), reply.body());
        assertEquals(Api.JSON.readTree("{\"score\": 1.0, \"passed\": true, \"reason\": \"Says hello.\"}"), reply.json());

        JsonNode asked = ASKED.take();
        assertEquals("claude-haiku-4-5", asked.path("model").asText(), "the default model");
        assertEquals("Bearer sk-judge", AUTHORIZATIONS.take());
        assertEquals("system", asked.at("/messages/0/role").asText());
        assertThat(asked.at("/messages/0/content").asText(), containsString("criteria"));
        String user = asked.at("/messages/1/content").asText();
        assertTrue(user.contains("Say hello") && user.contains("Hello!") && user.contains("greets"), user);
        assertEquals("json_schema", asked.at("/response_format/type").asText());
        assertEquals("[\"score\",\"passed\",\"reason\"]", asked.at("/response_format/json_schema/schema/required").toString());

        NEXT.set(new String[] {"200", completion("```json\n{\"score\": -3, \"passed\": false, \"reason\": \"No.\"}\n```")});
        reply = judge(server, "{\"input\": \"a\", \"output\": \"b\", \"criteria\": \"c\", \"model\": \"gpt-judge\"}");
        assertEquals(0.0, reply.json().path("score").asDouble(), reply.body());
        assertEquals(false, reply.json().path("passed").asBoolean());
        assertEquals("gpt-judge", ASKED.take().path("model").asText());
    }

    @Test
    void everyFailedCallIsA502() {
        String body = "{\"input\": \"a\", \"output\": \"b\", \"criteria\": \"c\"}";
        for (String[] answer : new String[][] {
                {"500", "{\"error\": \"down\"}"},
                {"429", "{\"error\": \"slow down\"}"},
                {"200", "not json"},
                {"200", completion("I think it passes.")},
                {"200", completion("{\"score\": \"high\", \"passed\": true, \"reason\": \"x\"}")},
                {"200", "{\"choices\": []}"}}) {
            NEXT.set(answer);
            RawHttp.Reply reply = judge(server, body);
            assertEquals(502, reply.status(), answer[1] + " -> " + reply.body());
            assertEquals("\"Judge call failed\"", reply.detail());
        }
        RawHttp.Reply none = judge(unconfigured, body);
        assertEquals(502, none.status(), "no endpoint configured: " + none.body());
        assertEquals("\"Judge call failed\"", none.detail());
    }

    @Test
    void missingOrWrongFieldsAre422AndNothingIsAsked() {
        ASKED.clear();
        RawHttp.Reply reply = judge(server, "{\"input\": \"a\", \"criteria\": 5, \"model\": 1}");
        assertEquals(422, reply.status(), reply.body());
        assertThat(reply.detail(), containsString("[\"body\",\"output\"]"));
        assertThat(reply.detail(), containsString("[\"body\",\"criteria\"]"));
        assertThat(reply.detail(), containsString("[\"body\",\"model\"]"));
        assertEquals(422, judge(server, "").status());
        assertTrue(ASKED.isEmpty(), "the model was asked anyway");
    }

    /** A base URL that is no URL, or a missing key, fails the judge's calls, not the server's start. */
    @Test
    void aBadOrMissingConfigurationFailsOnlyTheCalls() {
        for (Judge judge : new Judge[] {new Judge("http://bad host/v1", "sk"), new Judge("http://127.0.0.1:9/v1", null)}) {
            JudgeException failed = assertThrows(JudgeException.class, () -> judge.judge("a", "b", "c", "m"));
            assertThat(failed.getMessage(), containsString("no model endpoint"));
        }
    }

    @Test
    void itIsBehindTheApiKey() {
        RawHttp.Reply reply = new RawHttp(server.server().port()).send("POST", "/eval/judge",
                "{\"input\": \"a\", \"output\": \"b\", \"criteria\": \"c\"}", "Content-Type", "application/json");
        assertEquals(401, reply.status(), reply.body());
    }
}
