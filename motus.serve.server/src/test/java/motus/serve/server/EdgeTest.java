package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge at the socket level, as an attacker or a broken client meets it: framing,
 * connection handling and deadlines. Every refusal is the contract's JSON, and no request
 * hidden in another's body is ever run.
 */
class EdgeTest {

    private static final Duration SHORT = Duration.ofSeconds(1);

    /** With one-second deadlines. */
    private static RunningServer server;
    /** With the default deadlines (a minute's idle timeout) and four connections at most. */
    private static RunningServer limited;
    /** With an API key. */
    private static RunningServer keyed;
    private static final String KEY = "edge-key";

    @BeforeAll
    static void start() {
        server = RunningServer.start(TestAgents.standIns()
                .headerTimeout(SHORT).bodyTimeout(SHORT).idleTimeout(SHORT));
        limited = RunningServer.start(TestAgents.standIns().maxConnections(4));
        keyed = RunningServer.start(TestAgents.standIns().apiKey(KEY));
    }

    @AfterAll
    static void stop() {
        server.close();
        limited.close();
        keyed.close();
    }

    /**
     * On a route that does not read the body, a request with {@code Expect: 100-continue} got its
     * answer, then a stray {@code 100 Continue}, and then its body ran as the next request, past
     * the API key: the hidden DELETE carries the key, the request it hides in does not.
     */
    @Test
    void aRequestHiddenInTheBodyOfAnExpectContinueRequestNeverRuns() throws IOException {
        RawHttp.Reply created = new RawHttp(keyed.server().port()).send("POST", "/sessions", (String) null,
                "Authorization", "Bearer " + KEY);
        String victim = created.json().get("session_id").asText();
        String hidden = "DELETE /sessions/" + victim + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY + "\r\n\r\n";
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("GET /health", "200");
        refusals.put("GET /nowhere", "401");
        refusals.put("PATCH /sessions", "401");
        refusals.put("DELETE /sessions/" + victim, "401");
        refusals.put("POST /sessions/" + victim + "/cancel", "401");
        refusals.put("GET /observe/health", "200");
        for (var refused : refusals.entrySet()) {
            for (String expect : List.of("100-continue", "100-Continue")) {
                try (Raw raw = new Raw(keyed.server().port())) {
                    raw.send(refused.getKey() + " HTTP/1.1\r\nHost: x\r\nExpect: " + expect + "\r\nContent-Length: "
                            + hidden.length() + "\r\n\r\n" + hidden);
                    String answer = raw.readUntilClosed();
                    assertThat(refused.getKey(), answer, startsWith("HTTP/1.1 " + refused.getValue()));
                    assertEquals(1, answer.split("HTTP/1.1 ").length - 1, "exactly one answer: " + answer);
                    assertThat(answer, containsString("Connection: close"));
                }
            }
        }
        assertEquals(200, new RawHttp(keyed.server().port()).send("GET", "/sessions/" + victim, (String) null,
                "Authorization", "Bearer " + KEY).status(), "the hidden DELETE ran");

        String other = server.api().createSession();
        hidden = "DELETE /sessions/" + other + " HTTP/1.1\r\nHost: x\r\n\r\n";
        for (String refused : List.of("GET /health", "GET /nowhere", "PATCH /sessions", "DELETE /sessions/unknown",
                "POST /sessions/" + other + "/cancel", "GET /sessions/" + other + "/messages")) {
            try (Raw raw = new Raw()) {
                raw.send(refused + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
                        + hidden.length() + "\r\n\r\n" + hidden);
                String answer = raw.readUntilClosed();
                assertEquals(1, answer.split("HTTP/1.1 ").length - 1, refused + ": exactly one answer: " + answer);
            }
        }
        server.api().get("/sessions/" + other).expect(200);
    }

    /** A client that waits for {@code 100 Continue} before its body gets it, then its answer, and keeps its connection. */
    @Test
    void aClientThatExpectsContinueIsServedAndKeepsItsConnection() throws IOException {
        try (Raw raw = new Raw()) {
            String body = "{\"state\": []}";
            raw.send("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n");
            String interim = "HTTP/1.1 100 Continue\r\n\r\n";
            assertEquals(interim, raw.readExactly(interim.length()));
            raw.send(body);
            assertThat(raw.readResponse(), startsWith("HTTP/1.1 201"));
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
        }
    }

    /** The body of a refused request with {@code Connection: close} once ran as a second request (helidon#12324). */
    @Test
    void aRequestHiddenInARefusedRequestsBodyNeverRuns() throws IOException {
        String victim = limited.api().createSession();
        String hidden = "DELETE /sessions/" + victim + " HTTP/1.1\r\nHost: x\r\n\r\n";
        String refused = "PATCH /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: " + hidden.length() + "\r\n";
        try (Raw raw = new Raw(limited.server().port())) {
            raw.send(refused + "Connection: close\r\n\r\n" + hidden);
            String answer = raw.readUntilClosed();
            assertThat(answer, startsWith("HTTP/1.1 405"));
            assertEquals(1, answer.split("HTTP/1.1 ").length - 1, "exactly one answer: " + answer);
        }
        try (Raw raw = new Raw(limited.server().port())) { // kept alive: the next request starts after the body
            raw.send(refused + "\r\n" + hidden + "GET /sessions/" + victim + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String answers = raw.readUntilClosed();
            assertThat(answers, startsWith("HTTP/1.1 405"));
            assertEquals(List.of("405", "200"), Arrays.stream(answers.split("HTTP/1.1 ")).skip(1)
                    .map(answer -> answer.substring(0, 3)).toList(), answers);
        }
        limited.api().get("/sessions/" + victim).expect(200);
    }

    /**
     * HEAD is answered as GET, without a body: it was 405 on /health and 404 on /ui, and every
     * answer to it carried a body, which a client reads as the start of its next response.
     */
    @Test
    void headIsAnsweredAsGetWithoutABody() throws IOException {
        try (Raw raw = new Raw()) {
            for (String path : List.of("/health", "/ui/", "/sessions", "/nowhere")) {
                raw.send("HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                String head = raw.readHead();
                assertThat(path, head, startsWith(path.equals("/nowhere") ? "HTTP/1.1 404" : "HTTP/1.1 200"));
                assertThat(path, head, containsString("Content-Length: 0"));
            }
            raw.send("HEAD /sessions/x/cancel HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readHead(), startsWith("HTTP/1.1 405"));
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat("no body came before this answer", raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
        }
    }

    /** An absolute-form target of any scheme was served as its path. */
    @Test
    void anAbsoluteTargetIsServedOnlyForHttp() throws IOException {
        assertJsonRefusal("GET ftp://x/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "400",
                "The request target's scheme must be http or https, not ftp");
        for (String target : List.of("http://x/health", "HTTPS://other:99/health")) {
            try (Raw raw = new Raw()) {
                raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertThat(target, raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
            }
        }
    }

    /** Within the 20 s of readUntilClosed, where the idle timeout is a minute (helidon#12324). */
    @Test
    void connectionCloseClosesTheConnection() throws IOException {
        try (Raw raw = new Raw(limited.server().port())) {
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
        }
    }

    /**
     * At once, on the default server's one-minute body timeout: when the line after a bad size read
     * as a size ({@code abc}), the answer waited for that many more bytes, until the body timeout.
     */
    @Test
    void aMalformedChunkSizeIsA400AndEndsTheConnection() throws IOException {
        for (String chunks : List.of("zz\r\n{}\r\n0\r\n\r\n", "zz\r\nabc\r\n0\r\n\r\n")) {
            try (Raw raw = new Raw(limited.server().port())) {
                raw.send("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + chunks);
                String answer = raw.readUntilClosed();
                assertThat(answer, startsWith("HTTP/1.1 400"));
                assertThat(answer, containsString("{\"detail\":\"Malformed chunked request body: bad chunk size\"}"));
            }
        }
    }

    @Test
    void transportErrorsAreAnsweredInJson() throws IOException {
        assertJsonRefusal("GET /health HTTP/1.0\r\n\r\n", "505", "HTTP/1.1 is required, not HTTP/1.0");
        assertJsonRefusal("GET /sessions?x=" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414",
                "Request line too long: the limit is 2048 bytes");
        assertJsonRefusal("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", "400",
                "Header size exceeded");
        assertJsonRefusal("POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                "501", "Unsupported request transfer encoding");
        assertJsonRefusal("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "400", "Transfer-Encoding and Content-Length headers must not be combined");
    }

    @Test
    void aClientTricklingHeadersIsCutOffAtTheHeaderTimeout() throws IOException {
        try (Raw raw = new Raw()) {
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (raw.isOpen()) {
                assertTrue(System.nanoTime() < deadline, "still open after 20 s of header lines, with a 1 s header timeout");
                raw.sendQuietly("X-Slow: yes\r\n");
            }
        }
    }

    @Test
    void aBodyThatDoesNotArriveClosesTheConnection() throws IOException {
        try (LogLines log = new LogLines()) {
            for (String path : List.of("/sessions", "/a2a", "/mcp")) {
                try (Raw raw = new Raw()) {
                    raw.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"st");
                    assertEquals("", raw.readUntilClosed(), "nothing to answer on " + path + ": the client never finished");
                }
            }
            assertEquals(List.of(), log.lines().stream().filter(line -> line.contains("failed")).toList(),
                    "a client that gives up is no server error");
        }
        try (Raw raw = new Raw()) {
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
        }
    }

    /** A body no route reads (here a send to an unknown session) is read after the answer, within the same deadline. */
    @Test
    void anUnreadBodyTrickledAfterTheAnswerIsCutOff() throws IOException {
        try (Raw raw = new Raw()) {
            raw.send("POST /sessions/unknown/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{");
            assertThat(raw.readResponse(), startsWith("HTTP/1.1 404"));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (raw.isOpen()) {
                assertTrue(System.nanoTime() < deadline, "still reading a trickled body after 20 s, with a 1 s body timeout");
                raw.sendQuietly(" ");
            }
        }
    }

    @Test
    void anIdleConnectionIsClosedAtTheIdleTimeout() throws IOException {
        try (Raw raw = new Raw()) {
            raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readUntilClosed(), startsWith("HTTP/1.1 200"));
        }
    }

    /** Past max-connections a connection waits, then is served when others close; the listener lives on. */
    @Test
    void connectionsOverTheLimitWaitAndAreServedWhenOthersClose() throws IOException {
        List<Raw> held = new ArrayList<>();
        try {
            int port = limited.server().port();
            for (int i = 0; i < 4; i++) {
                Raw raw = new Raw(port);
                raw.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.readResponse(), startsWith("HTTP/1.1 200"));
                held.add(raw);
            }
            try (Raw waiting = new Raw(port)) {
                waiting.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertEquals("", waiting.readFor(Duration.ofMillis(300)), "served over the limit");
                held.forEach(Raw::close);
                assertThat(waiting.readUntilClosed(), startsWith("HTTP/1.1 200"));
            }
        } finally {
            held.forEach(Raw::close);
        }
    }

    private static void assertJsonRefusal(String request, String status, String detail) throws IOException {
        try (Raw raw = new Raw()) {
            raw.send(request);
            String answer = raw.readUntilClosed();
            assertThat(answer, startsWith("HTTP/1.1 " + status));
            assertThat(answer, containsString("Content-Type: application/json"));
            assertThat(answer, containsString("{\"detail\":\"" + detail));
        }
    }

    /** One client connection, written and read byte for byte. */
    private static final class Raw implements AutoCloseable {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Raw() throws IOException {
            this(server.server().port());
        }

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        void sendQuietly(String text) {
            try {
                send(text);
                socket.setSoTimeout(300);
                if (in.read() < 0) {
                    socket.close();
                }
            } catch (SocketTimeoutException stillOpen) {
                // the server is still waiting for the headers
            } catch (IOException closed) {
                close();
            }
        }

        boolean isOpen() {
            return !socket.isClosed();
        }

        /** Everything the server sends until it closes the connection; fails if it has not within 20 s. */
        String readUntilClosed() throws IOException {
            socket.setSoTimeout(20_000);
            try {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept the connection open for 20 s");
            }
        }

        /** What arrives within {@code time}; the connection stays usable. */
        String readFor(Duration time) throws IOException {
            socket.setSoTimeout((int) time.toMillis());
            StringBuilder text = new StringBuilder();
            try {
                for (int b; (b = in.read()) >= 0; ) {
                    text.append((char) b);
                }
            } catch (SocketTimeoutException e) {
                // as long as it was given
            }
            return text.toString();
        }

        /** A response's status line and headers, up to the blank line; the connection stays open. */
        String readHead() throws IOException {
            socket.setSoTimeout(20_000);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    fail("closed mid-response: " + head);
                }
                head.append((char) b);
            }
            return head.toString();
        }

        /** The next {@code count} bytes; the connection stays open. */
        String readExactly(int count) throws IOException {
            socket.setSoTimeout(20_000);
            return new String(in.readNBytes(count), StandardCharsets.ISO_8859_1);
        }

        /** One response with a Content-Length body; the connection stays open. */
        String readResponse() throws IOException {
            String head = readHead();
            int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
            return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }
}
