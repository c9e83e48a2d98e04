package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.wire.Json;
import org.junit.jupiter.api.Test;

/** The protocol's frames, each through the one codec and the framing, as the other end reads it. */
class FrameTest {

    private static final List<ChatMessage> GIVEN = List.of(ChatMessage.user("before"), ChatMessage.assistant("then"));

    @Test
    void everyKindOfFrameReadsAsItWasWritten() throws Exception {
        List<Frame> frames = List.of(
                new Frame.Ready(42), new Frame.Prepared(), new Frame.Restored(),
                new Frame.Failed("boom", "at Agent.runTurn"),
                new Frame.Failed("no trace"),
                new Frame.TurnRequest("s", 1 << 20, true, ChatMessage.user("hi"), GIVEN, Map.of()),
                new Frame.TurnRequest("s", 1 << 20, false, ChatMessage.user("hi"), null,
                        Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate", "k=v")),
                new Frame.Usage(120, 34),
                new Frame.Spans(Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode().put("name", "chat m"))),
                new Frame.Resume("q1", Json.MAPPER.createObjectNode().put("approved", true)),
                new Frame.Event("delta", Json.MAPPER.createObjectNode().put("text", "ünïcode ✓")),
                new Frame.Interrupt("q1", Json.MAPPER.createObjectNode().put("type", "tool_approval")),
                Frame.Result.of(ChatMessage.assistant("a"), GIVEN, List.of(ChatMessage.user("x"))),
                Frame.Result.of(ChatMessage.assistant("a"), GIVEN, List.of(GIVEN.get(0), GIVEN.get(1), ChatMessage.user("x"))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame frame : frames) {
            Frames.write(out, frame);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        for (Frame frame : frames) {
            assertEquals(frame, Frame.of(Frames.read(in, 1 << 20)));
        }
    }

    @Test
    void aResultThatAppendsSendsOnlyWhatItAppendedAndAnyOtherTheWholeState() {
        ChatMessage reply = ChatMessage.assistant("a");
        Frame.Result appended = Frame.Result.of(reply, GIVEN, List.of(GIVEN.get(0), GIVEN.get(1), reply));
        assertEquals(List.of(reply), appended.appended());
        assertEquals(List.of(GIVEN.get(0), GIVEN.get(1), reply), appended.stateAfter(GIVEN));
        Frame.Result rewritten = Frame.Result.of(reply, GIVEN, List.of(reply));
        assertEquals(List.of(reply), rewritten.state());
        assertEquals(List.of(reply), rewritten.stateAfter(GIVEN));
    }

    @Test
    void aFrameThatDoesNotDecodeSaysWhy() throws IOException {
        var badResult = Frames.frame("result");
        badResult.putObject("response").put("role", "nobody");
        badResult.putArray("state");
        Frame.InvalidFrameException invalid = assertThrows(Frame.InvalidFrameException.class, () -> Frame.of(badResult));
        assertEquals(List.of("response", "role"), invalid.problems.getFirst().loc());
        Frame.InvalidFrameException unknown = assertThrows(Frame.InvalidFrameException.class,
                () -> Frame.of(Frames.frame("teleport")));
        assertEquals("unexpected 'teleport'", unknown.getMessage());
    }
}
