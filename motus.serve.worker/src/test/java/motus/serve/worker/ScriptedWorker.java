package motus.serve.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A stand-in worker process for {@link WorkerProcessTest}: speaks the protocol as told by its
 * one argument, including the ways a broken worker gets it wrong.
 */
final class ScriptedWorker {

    private ScriptedWorker() {
    }

    public static void main(String[] args) throws IOException {
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        var in = new FileInputStream(FileDescriptor.in);
        switch (args[0]) {
            case "garbage" -> {
                out.write("Picked up JAVA_TOOL_OPTIONS: -Xfoo\n".getBytes());
                out.flush();
            }
            case "die" -> {
                System.err.println("first line");
                System.err.println("Exception in thread main: boom");
                System.exit(7);
            }
            case "echo", "oversized", "silent" -> {
                Frames.write(out, Frames.frame("ready").put("ready_at_ms", System.currentTimeMillis()));
                ObjectNode request = Frames.read(in, 1 << 20);
                System.err.println("turn for " + request.path("session_id").asText());
                if (args[0].equals("silent")) {
                    sleepForever();
                }
                if (args[0].equals("oversized")) {
                    out.write(ByteBuffer.allocate(8).putInt(0x4D54_5331).putInt(50_000_000).array());
                    out.flush();
                    sleepForever();
                }
                ObjectNode result = Frames.frame("result");
                result.set("response", request.path("message"));
                result.set("state", request.path("state"));
                Frames.write(out, result);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void sleepForever() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
