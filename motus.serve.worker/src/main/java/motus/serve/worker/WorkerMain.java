package motus.serve.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * The worker process: resolves the agent, says it is ready, runs exactly one turn, answers
 * one frame and exits.
 *
 * <p>Usage: {@code java -m motus.serve.worker/motus.serve.worker.WorkerMain <agent-reference>}.
 * Frames travel over stdin/stdout (see {@link Frames}); everything the agent prints goes to
 * stderr, which the server logs.
 */
public final class WorkerMain {

    /** Exit code of a worker whose agent reference did not resolve. */
    static final int EXIT_AGENT_NOT_FOUND = 2;

    private WorkerMain() {
    }

    public static void main(String[] args) throws IOException {
        // Keep the real stdout for frames before any agent code can print to it.
        OutputStream frames = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out));
        System.setOut(System.err);
        InputStream in = new FileInputStream(FileDescriptor.in);

        if (args.length != 1) {
            Frames.write(frames, Frames.frame("error").put("error", "usage: WorkerMain <agent-reference>"));
            Runtime.getRuntime().halt(EXIT_AGENT_NOT_FOUND);
        }
        ServableAgent agent;
        try {
            agent = AgentLoader.load(AgentReference.parse(args[0]));
        } catch (AgentLoadException | IllegalArgumentException e) {
            Frames.write(frames, Frames.frame("error").put("error", e.getMessage()));
            Runtime.getRuntime().halt(EXIT_AGENT_NOT_FOUND);
            return;
        }
        Frames.write(frames, Frames.frame("ready"));

        ObjectNode request = Frames.read(in, Long.MAX_VALUE);
        if (request == null) {
            Runtime.getRuntime().halt(0); // released unused: a start-up check or a spare worker
        }
        exitWhenParentGoes(in);
        Frames.write(frames, runTurn(agent, request));
        // halt, not exit: threads, processes or shutdown hooks the agent left behind must not outlive the turn.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        Runtime.getRuntime().halt(0);
    }

    private static ObjectNode runTurn(ServableAgent agent, ObjectNode request) {
        List<Problem> problems = new ArrayList<>();
        ChatMessage message = MessageCodec.fromJson(request.path("message"), List.of("message"), problems, ChatMessage.USER);
        List<ChatMessage> state = MessageCodec.listFromJson(request.path("state"), List.of("state"), problems);
        if (message == null || state == null) {
            return Frames.frame("error").put("error", "Invalid turn request: " + problems);
        }
        TurnResult result;
        try {
            result = agent.runTurn(message, state);
        } catch (Throwable t) {
            return Frames.frame("error").put("error", AgentLoader.describe(t));
        }
        if (result == null) {
            return Frames.frame("error").put("error", "Invalid turn result: the agent returned null instead of a TurnResult");
        }
        try {
            ObjectNode frame = Frames.frame("result");
            frame.set("response", MessageCodec.toJson(result.response()));
            frame.set("state", MessageCodec.toJson(result.state()));
            return frame;
        } catch (IllegalArgumentException e) {
            return Frames.frame("error").put("error",
                    "Invalid turn result: a message holds a value that is not JSON: " + e.getMessage());
        }
    }

    /** The server never writes after the request, so end of input means it is gone: so are we. */
    private static void exitWhenParentGoes(InputStream in) {
        Thread watchdog = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // drain; nothing more is expected
                }
            } catch (IOException e) {
                // same as end of input
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Runtime.getRuntime().halt(1);
        }, "motus-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
