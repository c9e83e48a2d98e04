package motus.serve.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * The framing of the parent↔worker protocol: a 4-byte magic, a 4-byte big-endian length, then
 * that many bytes of UTF-8 JSON, always an object with a {@code type}.
 *
 * <p>The magic makes stray bytes on the worker's stdout (a child process that inherited it,
 * say) a clear protocol error instead of a misread length.
 */
final class Frames {

    private static final int MAGIC = 0x4D54_5331; // "MTS1"

    private Frames() {
    }

    static void write(OutputStream out, Frame frame) throws IOException {
        write(out, frame.json());
    }

    /** A frame as JSON: what a test's misbehaving worker writes. */
    static void write(OutputStream out, ObjectNode frame) throws IOException {
        writeBytes(out, Json.MAPPER.writeValueAsBytes(frame));
    }

    /** A frame already encoded, {@code body} being a JSON object with a type. */
    static void writeBytes(OutputStream out, byte[] body) throws IOException {
        out.write(ByteBuffer.allocate(8).putInt(MAGIC).putInt(body.length).array());
        out.write(body);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or null if the stream ended cleanly before a new frame began
     * @throws FrameTooLargeException if the announced length is over {@code maxBytes}
     * @throws IOException on a broken stream or anything that is not a frame
     */
    static @Nullable ObjectNode read(InputStream in, long maxBytes) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException endOfStream) {
            return null;
        }
        if (magic != MAGIC) {
            throw new IOException("unexpected bytes on the worker's protocol stream (0x%08x)".formatted(magic));
        }
        int length = data.readInt();
        if (length < 0 || length > maxBytes) {
            throw new FrameTooLargeException(Integer.toUnsignedLong(length), maxBytes);
        }
        byte[] body = data.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("the worker's frame ended after " + body.length + " of " + length + " bytes");
        }
        JsonNode node = Json.MAPPER.readTree(body);
        if (!(node instanceof ObjectNode frame) || !frame.path("type").isTextual()) {
            throw new IOException("a protocol frame is not a JSON object with a type");
        }
        return frame;
    }

    /** A frame of {@code type}, for tests that write frames by hand. */
    static ObjectNode frame(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }

    /** A frame whose announced size is over the allowed limit; the frame is left unread. */
    static final class FrameTooLargeException extends IOException {
        final long length;
        final long limit;

        FrameTooLargeException(long length, long limit) {
            super("a frame of " + length + " bytes is over the limit of " + limit + " bytes");
            this.length = length;
            this.limit = limit;
        }
    }
}
