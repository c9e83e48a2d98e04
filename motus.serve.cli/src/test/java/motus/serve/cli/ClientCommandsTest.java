package motus.serve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import motus.serve.server.AgentServer;
import motus.serve.wire.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every client command against a real server: what it prints, and its exit code. */
class ClientCommandsTest {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static AgentServer server;
    private static String url;

    @BeforeAll
    static void startServer() {
        Path agents = Path.of(System.getProperty("motus.test.agents", "../test-agents/target/classes"));
        assertTrue(Files.isDirectory(agents), "test agents not built at " + agents.toAbsolutePath());
        server = AgentServer.builder().agentAotCache(false)
                .agent("motus.serve.testagents.ScriptedAgent")
                .modulePath(List.of(agents))
                .maxWorkers(2)
                .build()
                .start("127.0.0.1", 0);
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @Test
    void aKeyedServerTakesTheKeyByFlagAndA401SaysHowToGiveIt() {
        Path agents = Path.of(System.getProperty("motus.test.agents", "../test-agents/target/classes"));
        AgentServer keyed = AgentServer.builder().agentAotCache(false).agent("motus.serve.testagents.ScriptedAgent")
                .modulePath(List.of(agents)).prewarm(0).apiKey("s3cret").build().start("127.0.0.1", 0);
        try {
            String keyedUrl = "http://127.0.0.1:" + keyed.port();
            CliRun refused = CliRun.motus("serve", "sessions", keyedUrl);
            assertEquals(1, refused.exitCode());
            assertTrue(refused.err().startsWith("Error: 401 - ") && refused.err().contains(
                    "(the server wants an API key: set MOTUS_API_KEY or pass --api-key KEY)"), refused.err());
            CliRun wrong = CliRun.motus("serve", "sessions", keyedUrl, "--api-key", "wrong");
            assertTrue(wrong.err().contains("(the API key given, by --api-key or MOTUS_API_KEY, is not the server's)"),
                    wrong.err());
            CliRun listed = CliRun.motus("serve", "sessions", keyedUrl, "--api-key", "s3cret");
            assertEquals(0, listed.exitCode(), listed.err());
            assertEquals("[]\n", listed.out());
        } finally {
            keyed.stop();
        }
    }

    @Test
    void healthPrintsStatusWorkersAndSessions() {
        CliRun run = CliRun.motus("serve", "health", url);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().matches("Status: ok\nWorkers: \\d+/2\nTotal sessions: \\d+\n"
                + "Waiting workers: \\d+ \\(paused on a question, or kept for their session\\)\n"), run.out());
    }

    @Test
    void cardPrintsTheAgentCardOtherAgentsRead() throws IOException {
        CliRun run = CliRun.motus("serve", "card", url);
        assertEquals(0, run.exitCode(), run.err());
        JsonNode card = new ObjectMapper().readTree(run.out());
        assertEquals(url + "/a2a", card.at("/supportedInterfaces/0/url").asText());
        assertEquals("JSONRPC", card.at("/supportedInterfaces/0/protocolBinding").asText());
        assertTrue(run.out().startsWith("{\n  \"name\""), "indented JSON: " + run.out());
    }

    @Test
    void createPrintsTheSessionAsIndentedJsonWithoutNulls() {
        CliRun run = CliRun.motus("serve", "create", url);
        assertEquals(0, run.exitCode(), run.err());
        String id = sessionId(run.out());
        assertEquals("{\n  \"session_id\": \"" + id + "\",\n  \"status\": \"idle\"\n}\n", run.out());
        assertTrue(CliRun.motus("serve", "sessions", url).out().contains("\"session_id\": \"" + id + "\""));
    }

    @Test
    void sendWaitGetAndMessagesShowTheTurn() throws IOException {
        String id = sessionId(CliRun.motus("serve", "create", url).out());

        CliRun sent = CliRun.motus("serve", "send", url, id, "hello", "--param", "n=3", "--param", "x=1.5",
                "--param", "name=Ada");
        assertEquals(0, sent.exitCode(), sent.err());
        JsonNode accepted = Json.MAPPER.readTree(sent.out());
        assertEquals(id, accepted.get("session_id").asText());
        assertEquals("running", accepted.get("status").asText());

        CliRun waited = CliRun.motus("serve", "get", url, id, "--wait", "--timeout", "60");
        JsonNode session = Json.MAPPER.readTree(waited.out());
        assertEquals("idle", session.get("status").asText(), waited.out());
        assertEquals("hello", session.get("response").get("content").asText());
        assertFalse(waited.out().contains("null"), "null fields are left out: " + waited.out());

        JsonNode messages = Json.MAPPER.readTree(CliRun.motus("serve", "messages", url, id).out());
        assertEquals(2, messages.size());
        JsonNode params = messages.get(0).get("user_params");
        assertTrue(params.get("n").isIntegralNumber(), "numbers are sent as numbers: " + params);
        assertTrue(params.get("x").isDouble(), params.toString());
        assertEquals("Ada", params.get("name").asText());
    }

    @Test
    void sendWithWaitPrintsTheFinalSession() throws IOException {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        CliRun run = CliRun.motus("serve", "send", url, id, "be brief", "--role", "user", "--wait");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode session = Json.MAPPER.readTree(run.out());
        assertEquals("idle", session.get("status").asText());
        assertEquals("be brief", session.get("response").get("content").asText());
    }

    @Test
    void deletePrintsAndTheSessionIsGone() {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        CliRun run = CliRun.motus("serve", "delete", url, id);
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("Deleted session " + id + "\n", run.out());
        CliRun again = CliRun.motus("serve", "get", url, id);
        assertEquals(1, again.exitCode());
        assertEquals("Error: 404 - {\"detail\":\"Session not found\"}\n", again.err());
    }

    @Test
    void aRequestTheServerRefusesPrintsStatusAndBody() {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        CliRun run = CliRun.motus("serve", "send", url, id, "hi", "--role", "wizard");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("Error: 422 - {\"detail\":["), run.err());
    }

    @Test
    void aDeadUrlSaysItCouldNotConnect() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // free once closed: nothing listens there
        }
        String dead = "http://127.0.0.1:" + port;
        for (String command : List.of("health", "create", "sessions")) {
            CliRun run = CliRun.motus("serve", command, dead);
            assertEquals(1, run.exitCode(), command);
            assertEquals("Error: Could not connect to " + dead + "\n", run.err(), command);
        }
        assertEquals(1, CliRun.motus("serve", "chat", dead, "hello").exitCode());
    }

    @Test
    void chatWithAMessagePrintsTheReplyAndDeletesItsSession() {
        int before = sessionCount();
        CliRun run = CliRun.motus("serve", "chat", url, "hello there");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("hello there\n", run.out());
        assertEquals(before, sessionCount(), "chat deletes the session it created");
    }

    @Test
    void chatKeepPrintsTheSessionAndKeepsIt() throws IOException {
        CliRun run = CliRun.motus("serve", "chat", url, "--keep", "count me");
        assertEquals(0, run.exitCode(), run.err());
        String id = sessionId(run.out());
        assertTrue(run.out().startsWith("Session: " + id + " (use --session to resume)\n"), run.out());

        CliRun resumed = CliRun.motus("serve", "chat", url, "--session", id, "again");
        assertEquals("again\n", resumed.out());
        JsonNode messages = Json.MAPPER.readTree(CliRun.motus("serve", "messages", url, id).out());
        assertEquals(4, messages.size(), "the resumed session kept both turns, and --session never deletes");
    }

    @Test
    void chatReportsAFailedTurn() {
        CliRun run = CliRun.motus("serve", "chat", url, "throw");
        assertEquals(1, run.exitCode());
        assertEquals("Error: IllegalStateException: agent failed on purpose\n", run.err());
    }

    @Test
    void chatWithoutAMessageReadsLinesUntilEndOfInput() {
        int before = sessionCount();
        CliRun run = CliRun.withInput("first\n\nsecond\n", "serve", "chat", url, "--param", "n=1");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("> first\n> > second\n> \nBye!\n", run.out());
        assertEquals(before, sessionCount());
    }

    @Test
    void chatAsksForApprovalAsTheOriginalDoesAndResumes() {
        CliRun approved = CliRun.withInput("y\n", "serve", "chat", url, "approve delete_file");
        assertEquals(0, approved.exitCode(), approved.err());
        assertEquals("""

                [approval] Agent wants to call: delete_file
                           Args: {"path":"/tmp/notes.txt"}
                           Approve? [y/N]: approved
                """, approved.out());
        CliRun rejected = CliRun.withInput("n\n", "serve", "chat", url, "approve delete_file");
        assertTrue(rejected.out().endsWith("Approve? [y/N]: rejected\n"), rejected.out());
    }

    @Test
    void chatAsksAQuestionWithItsOptionsAndOther() {
        CliRun picked = CliRun.withInput("2\n", "serve", "chat", url, "ask");
        assertEquals(0, picked.exitCode(), picked.err());
        assertEquals("""

                [ask] Which color?
                  1. red — warm
                  2. blue — cold
                  3. (Other — type your own answer)
                  Choice: {answers={Which color?=blue}}
                """, picked.out());
        CliRun other = CliRun.withInput("3\nteal\n", "serve", "chat", url, "ask");
        assertTrue(other.out().endsWith("  Choice:   Your answer: {answers={Which color?=teal}}\n"), other.out());
    }

    @Test
    void chatPrintsAStreamedReplyAsItComes() {
        CliRun run = CliRun.motus("serve", "chat", url, "stream one two three");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("one two three\n", run.out());
    }

    @Test
    void aChatJoiningASessionThatWaitsForAnApprovalAsksItFirst() throws IOException {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        CliRun.motus("serve", "send", url, id, "approve write_file");
        assertEquals("interrupted", Json.MAPPER.readTree(CliRun.motus("serve", "get", url, id, "--wait").out())
                .path("status").asText());
        CliRun chat = CliRun.withInput("y\n", "serve", "chat", url, "--session", id, "after");
        assertEquals(0, chat.exitCode(), chat.out() + chat.err());
        assertTrue(chat.out().startsWith("The session's turn is waiting for an answer; following it first.\n"), chat.out());
        assertTrue(chat.out().contains("[approval] Agent wants to call: write_file"), chat.out());
        assertTrue(chat.out().endsWith("approved\nafter\n"), chat.out());
    }

    @Test
    void aToolApprovalIsAnsweredWithYesNoTrueOrFalse() throws IOException {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        for (String answer : List.of("yes", "no", "true", "False", "y")) {
            CliRun.motus("serve", "send", url, id, "approve write_file");
            JsonNode asked = Json.MAPPER.readTree(CliRun.motus("serve", "get", url, id, "--wait").out());
            assertEquals("tool_approval", asked.at("/interrupts/0/type").asText());
            CliRun resumed = CliRun.motus("serve", "resume", url, id, asked.at("/interrupts/0/interrupt_id").asText(), answer);
            assertEquals(0, resumed.exitCode(), resumed.err());
            JsonNode done = Json.MAPPER.readTree(CliRun.motus("serve", "get", url, id, "--wait").out());
            boolean approves = List.of("yes", "true", "y").contains(answer);
            assertEquals(approves ? "approved" : "rejected", done.at("/response/content").asText(), answer);
        }
        CliRun help = CliRun.motus("serve", "resume", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("A tool_approval takes yes, no, true or false"),
                help.out() + help.err());
    }

    @Test
    void eventsResumeAndCancelCommands() throws IOException {
        String id = sessionId(CliRun.motus("serve", "create", url).out());
        CliRun streamed = CliRun.motus("serve", "send", url, id, "stream a b", "--wait");
        assertEquals(0, streamed.exitCode(), streamed.err());
        CliRun events = CliRun.motus("serve", "events", url, id);
        assertEquals(0, events.exitCode(), events.err());
        String[] lines = events.out().split("\n");
        assertEquals(List.of("started", "delta", "delta", "done"), Arrays.stream(lines).map(l -> l.split(" ")[0]).toList());
        assertEquals("delta {\"text\":\"a\"}", lines[1]);

        CliRun.motus("serve", "send", url, id, "ask");
        JsonNode interrupted = Json.MAPPER.readTree(CliRun.motus("serve", "get", url, id, "--wait").out());
        assertEquals("interrupted", interrupted.path("status").asText());
        String interruptId = interrupted.at("/interrupts/0/interrupt_id").asText();
        CliRun resumed = CliRun.motus("serve", "resume", url, id, interruptId, "free text, not JSON");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals("running", Json.MAPPER.readTree(resumed.out()).path("status").asText());
        JsonNode done = Json.MAPPER.readTree(CliRun.motus("serve", "get", url, id, "--wait").out());
        assertEquals("free text, not JSON", done.at("/response/content").asText());

        CliRun.motus("serve", "send", url, id, "sleep 30");
        CliRun cancelled = CliRun.motus("serve", "cancel", url, id);
        assertEquals(0, cancelled.exitCode(), cancelled.err());
        assertEquals("Turn cancelled", Json.MAPPER.readTree(cancelled.out()).path("error").asText());
        CliRun nothing = CliRun.motus("serve", "cancel", url, id);
        assertEquals(1, nothing.exitCode());
        assertEquals("Error: 409 - {\"detail\":\"Session is error, not running\"}\n", nothing.err());
    }

    @Test
    void chatOnAnUnknownSessionFails() {
        CliRun run = CliRun.motus("serve", "chat", url, "--session", "00000000-0000-4000-8000-000000000000", "hi");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("Error: 404 - "), run.err());
    }

    @Test
    void usageErrorsExitTwoAndHelpAndVersionZero() {
        CliRun missing = CliRun.motus("serve", "get", url);
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("Error: Missing required parameter: '<id>'"), missing.err());
        assertEquals(2, CliRun.motus("serve", "send", url, "id", "hi", "--param", "novalue").exitCode());
        assertEquals(2, CliRun.motus("serve", "bogus").exitCode());
        for (String command : List.of("start", "chat", "health", "create", "sessions", "get", "delete", "messages", "send")) {
            CliRun help = CliRun.motus("serve", command, "--help");
            assertEquals(0, help.exitCode(), command);
            assertTrue(help.out().startsWith("Usage: motus serve " + command), help.out());
            assertTrue(CliRun.motus("serve", command, "--version").out().startsWith("motus serve "), command);
        }
        assertTrue(CliRun.motus("--version").out().startsWith("motus serve "));
    }

    private static int sessionCount() {
        return ServeClientHolder.client().get("/sessions").size();
    }

    private static String sessionId(String text) {
        Matcher matcher = UUID.matcher(text);
        assertTrue(matcher.find(), "no session id in " + text);
        return matcher.group();
    }

    /** A client for checks the commands' output cannot show. */
    private static final class ServeClientHolder {
        static ServeClient client() {
            return new ServeClient(url, null);
        }
    }
}
