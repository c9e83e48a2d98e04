package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The framing of the parent↔worker protocol, byte by byte. */
class FramesTest {

    @Test
    void framesFollowEachOtherAndEndCleanly() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, Frames.frame("ready").put("ready_at_ms", 42));
        Frames.write(out, Frames.frame("result").put("text", "ünïcode ✓"));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(42, Frames.read(in, 1024).path("ready_at_ms").asInt());
        assertEquals("ünïcode ✓", Frames.read(in, 1024).path("text").asText());
        assertNull(Frames.read(in, 1024), "end of stream between frames is a clean end");
    }

    @Test
    void aFrameOverTheLimitIsRefusedBeforeItIsRead() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, Frames.frame("result").put("text", "x".repeat(2000)));
        Frames.FrameTooLargeException refused = assertThrows(Frames.FrameTooLargeException.class,
                () -> Frames.read(new ByteArrayInputStream(out.toByteArray()), 1000));
        assertEquals(1000, refused.limit);
        assertTrue(refused.length > 2000, "the announced length: " + refused.length);
    }

    @Test
    void strayBytesAreAProtocolErrorNotAMisreadLength() {
        byte[] stray = "hello from a child process\n".getBytes(StandardCharsets.UTF_8);
        IOException error = assertThrows(IOException.class, () -> Frames.read(new ByteArrayInputStream(stray), 1 << 20));
        assertTrue(error.getMessage().startsWith("unexpected bytes on the worker's protocol stream"), error.getMessage());
    }

    @Test
    void aFrameCutShortIsAnError() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, Frames.frame("result").put("text", "cut"));
        byte[] bytes = out.toByteArray();
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(cut), 1 << 20));
    }

    @Test
    void aBodyThatIsNotAnObjectWithATypeIsAnError() {
        for (String body : new String[] {"[1,2]", "{\"no_type\":1}", "{\"type\":3}"}) {
            byte[] json = body.getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(8 + json.length).putInt(0x4D54_5331).putInt(json.length).put(json);
            IOException error = assertThrows(IOException.class,
                    () -> Frames.read(new ByteArrayInputStream(frame.array()), 1 << 20), body);
            assertEquals("a protocol frame is not a JSON object with a type", error.getMessage());
        }
    }

    @Test
    void framesAreJsonObjects() {
        ObjectNode frame = Frames.frame("turn");
        assertEquals("{\"type\":\"turn\"}", frame.toString());
    }
}
