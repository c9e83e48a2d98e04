package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whatever the network sends gets the contract's error shape and a detail naming the problem,
 * never a 500, and changes nothing.
 */
class BadInputTest {

    private static final long MAX_REQUEST_BYTES = 64 * 1024;
    private static final String JSON = "application/json";

    private static RunningServer server;
    private static RawHttp http;
    private static String session;

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.standIns().maxRequestBytes(MAX_REQUEST_BYTES));
        http = new RawHttp(server.server().port());
        session = server.api().createSession();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void malformedJson() {
        RawHttp.Reply reply = send("{\"content\": \"hi\"", JSON);
        assertEquals(422, reply.status(), reply.body());
        assertThat(reply.detail(), containsString("json_invalid"));
    }

    /** Jackson's own messages named its classes and settings; a client reads what is wrong and where. */
    @Test
    void aBodyThatDoesNotParseIsExplainedInPlainWords() {
        String deep = "[".repeat(1500) + "]".repeat(1500);
        String[][] cases = {
                {"{\"content\": \"hi\"", "the body ends before its JSON value does"},
                {"{\"content\": x}", "unexpected 'x' at offset 12"},
                {"{\"content\": \"hi\"} junk", "unexpected 'j' at offset 18"},
                {"{\"content\": \"hi\"} {}", "more follows the JSON value at offset 18"},
                {"{\"content\": " + deep + "}", "the body nests more than 1000 levels deep"},
                {"{\"content\": " + "1".repeat(2000) + "}", "a number is longer than 1000 characters"},
        };
        for (String[] c : cases) {
            RawHttp.Reply reply = send(c[0], JSON);
            assertEquals(422, reply.status(), reply.body());
            String msg = reply.json().get("detail").get(0).get("msg").asText();
            assertEquals("JSON decode error: " + c[1], msg, c[0].length() > 60 ? c[0].substring(0, 60) : c[0]);
        }
    }

    @Test
    void wrongFieldTypes() {
        RawHttp.Reply reply = send("{\"content\": 5, \"user_params\": [1]}", JSON);
        assertEquals(422, reply.status(), reply.body());
        assertThat(reply.detail(), containsString("[\"body\",\"content\"]"));
        assertThat(reply.detail(), containsString("[\"body\",\"user_params\"]"));
    }

    @Test
    void unknownRole() {
        RawHttp.Reply reply = send("{\"role\": \"wizard\", \"content\": \"hi\"}", JSON);
        assertEquals(422, reply.status(), reply.body());
        assertThat(reply.detail(), containsString("[\"body\",\"role\"]"));
    }

    @Test
    void bodiesThatAreNotObjects() {
        for (String body : new String[] {"[1, 2]", "\"hi\"", "42", "null", "true"}) {
            RawHttp.Reply reply = send(body, JSON);
            assertEquals(422, reply.status(), body + " -> " + reply.body());
        }
        RawHttp.Reply create = http.send("POST", "/sessions", "[]", "Content-Type", JSON);
        assertEquals(422, create.status(), create.body());
        assertThat(create.detail(), containsString("model_attributes_type"));
    }

    /** Overlong UTF-8 hides characters from filters: C0 AF would be read as '/'. */
    @Test
    void invalidUtf8IsRefusedAndChangesNothing() {
        byte[] overlong = {'{', '"', 'c', 'o', 'n', 't', 'e', 'n', 't', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        String fresh = server.api().createSession();
        RawHttp.Reply reply = http.send("POST", "/sessions/" + fresh + "/messages", overlong, "Content-Type", JSON);
        assertEquals(422, reply.status(), reply.body());
        assertThat(reply.detail(), containsString("not valid UTF-8"));
        assertEquals("[]", server.api().get("/sessions/" + fresh + "/messages").expect(200).raw());
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutALength() {
        String big = "{\"content\": \"" + "x".repeat((int) MAX_REQUEST_BYTES) + "\"}";
        RawHttp.Reply reply = send(big, JSON);
        assertEquals(413, reply.status(), reply.body());
        assertThat(reply.detail(), containsString(String.valueOf(MAX_REQUEST_BYTES)));
        RawHttp.Reply state = http.send("POST", "/sessions", "{\"state\": [" + "{\"content\": \"xxxxxxxxxx\"},".repeat(10_000) + "{}]}",
                "Content-Type", JSON);
        assertEquals(413, state.status(), state.body());
    }

    @Test
    void waitAndTimeoutMustBeABooleanAndANumber() {
        RawHttp.Reply badWait = http.send("GET", "/sessions/" + session + "?wait=maybe", (String) null);
        assertEquals(422, badWait.status(), badWait.body());
        assertThat(badWait.detail(), containsString("[\"query\",\"wait\"]"));
        RawHttp.Reply badTimeout = http.send("GET", "/sessions/" + session + "?wait=true&timeout=soon", (String) null);
        assertEquals(422, badTimeout.status(), badTimeout.body());
        assertThat(badTimeout.detail(), containsString("[\"query\",\"timeout\"]"));
        RawHttp.Reply negative = http.send("GET", "/sessions/" + session + "?wait=true&timeout=-1", (String) null);
        assertEquals(422, negative.status(), negative.body());
    }

    @Test
    void idsThatAreNotUuidsOrAreVeryLongAreNotFound() {
        char[] longId = new char[2000];
        Arrays.fill(longId, 'a');
        for (String id : new String[] {"not-a-uuid", "1", new String(longId), "%00"}) {
            RawHttp.Reply reply = http.send("GET", "/sessions/" + id, (String) null);
            assertEquals(404, reply.status(), id + " -> " + reply.body());
            assertEquals("\"Session not found\"", reply.detail());
        }
        RawHttp.Reply elsewhere = http.send("GET", "/sessions/..%2F..%2Fetc/passwd", (String) null);
        assertEquals(404, elsewhere.status(), elsewhere.body());
        assertEquals("\"Not Found\"", elsewhere.detail());
    }

    @Test
    void unsupportedMethodsAre405WithAllow() {
        RawHttp.Reply reply = http.send("PATCH", "/sessions/" + session, "{}", "Content-Type", JSON);
        assertEquals(405, reply.status(), reply.body());
        assertEquals("GET, HEAD, PUT, DELETE", reply.response().headers().firstValue("Allow").orElse(""));
        assertEquals(405, http.send("DELETE", "/sessions", (String) null).status());
    }

    @Test
    void aBodyThatIsNotJsonByItsContentTypeIsNotAnObject() {
        // As the original: JSON is read without a content type, or with a JSON one; anything else is not an object.
        RawHttp.Reply text = send("{\"content\": \"hi\"}", "text/plain");
        assertEquals(422, text.status(), text.body());
        assertThat(text.detail(), containsString("model_attributes_type"));
        RawHttp.Reply form = send("{\"content\": \"hi\"}", "application/x-www-form-urlencoded");
        assertEquals(422, form.status(), form.body());
        RawHttp.Reply vendorJson = http.send("POST", "/sessions", "{}", "Content-Type", "application/vnd.acme+json; charset=utf-8");
        assertEquals(201, vendorJson.status(), "a +json content type is JSON: " + vendorJson.body());
        server.api().delete("/sessions/" + vendorJson.json().get("session_id").asText()).expect(204);
    }

    @Test
    void noneOfItChangedTheSession() {
        assertEquals(0, server.api().get("/sessions/" + session + "/messages").body().size());
        assertEquals("idle", server.api().get("/sessions/" + session).text("status"));
    }

    private static RawHttp.Reply send(String body, String contentType) {
        return http.send("POST", "/sessions/" + session + "/messages", body, "Content-Type", contentType);
    }
}
