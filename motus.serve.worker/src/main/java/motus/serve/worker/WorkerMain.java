package motus.serve.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import motus.serve.worker.wire.MessageCodec;
import motus.serve.worker.wire.Problem;
import org.jspecify.annotations.Nullable;

/**
 * The worker process: resolves the agent, says it is ready, runs one turn, answers one frame
 * and exits; or, when the server isolates per session, serves that session's turns one after
 * another until the server ends it.
 *
 * <p>Usage: {@code java -m motus.serve.worker/motus.serve.worker.WorkerMain [--module-path P]
 * [--class-path P] <agent-reference>}, the paths being the agent's own (see {@link AgentCode}).
 * Frames travel over stdin/stdout (see {@link Frames}); everything the agent prints goes to
 * stderr, which the server logs.
 */
public final class WorkerMain {

    /** Exit code of a worker whose agent reference did not resolve. */
    static final int EXIT_AGENT_NOT_FOUND = 2;
    /** Set on the training run that records the workers' AOT cache. */
    static final String TRAINING_PROPERTY = "motus.worker.training";
    static final String MODULE_PATH = "--module-path";
    static final String CLASS_PATH = "--class-path";
    /** In a turn request: after this turn, wait for the session's next one rather than exit. */
    static final String SERVES_SESSION = "serves_session";
    /** In a session's turn request, instead of its state: the state this worker's previous turn returned. */
    static final String STATE_AS_ANSWERED = "state_as_answered";
    /** In a result, instead of the state: the messages the turn appended to the state it was given. */
    static final String STATE_APPENDED = "state_appended";
    /** Enough for class initialisation and first execution; more buys little and costs CPU. */
    private static final int WARM_UP_ROUNDS = 10;
    /** The server checks an answer's size against its max-request-bytes; this only bounds a broken stream. */
    private static final long MAX_RESUME_BYTES = 64L << 20;
    /** A stack trace is for a log line: the top of a deep one says enough. */
    private static final int MAX_TRACE_CHARS = 16_384;

    private WorkerMain() {
    }

    public static void main(String[] args) throws IOException {
        // Keep the real stdout for frames before any agent code can print to it.
        OutputStream frames = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out));
        System.setOut(System.err);
        InputStream in = new FileInputStream(FileDescriptor.in);

        ServableAgent agent;
        try {
            agent = loadAgent(args);
        } catch (AgentLoadException | IllegalArgumentException e) {
            Frames.write(frames, Frames.frame("error").put("error", e.getMessage()));
            Runtime.getRuntime().halt(EXIT_AGENT_NOT_FOUND);
            return;
        }
        boolean training = Boolean.getBoolean(TRAINING_PROPERTY);
        CompletableFuture<Void> serving = new CompletableFuture<>();
        AtomicReference<WorkerTurn> current = new AtomicReference<>();
        BlockingQueue<ObjectNode> nextTurns = new LinkedBlockingQueue<>();
        watchParent(in, serving, current, nextTurns);
        // Its own clock, so that the server can time a spare's start-up though it reads this frame later.
        Frames.write(frames, Frames.frame("ready").put("ready_at_ms", System.currentTimeMillis()));
        warmUp(in, training);
        ObjectNode prepareFailure = prepare(agent, in, training);

        ObjectNode request = Frames.read(in, Long.MAX_VALUE);
        if (request == null) {
            if (training) {
                System.exit(0); // an agent cache's training run: a normal exit writes the cache
            }
            Runtime.getRuntime().halt(0); // released unused: a start-up check or a spare worker
        }
        @Nullable List<ChatMessage> answeredState = null;
        while (true) {
            WorkerTurn host = new WorkerTurn(request.path("session_id").asText(), frames,
                    request.path("max_frame_bytes").asLong(1 << 20));
            current.set(host);
            if (!training) {
                serving.complete(null);
            }
            ObjectNode answer;
            try (var scope = Turn.use(host)) {
                TurnAnswer turnAnswer = prepareFailure != null ? new TurnAnswer(prepareFailure, null)
                        : runTurn(agent, request, answeredState);
                answer = turnAnswer.frame();
                answeredState = turnAnswer.state();
            }
            synchronized (frames) { // after any event an agent thread is still writing
                Frames.write(frames, answer);
            }
            // Isolation per session: the same agent serves the session's next turn, statics and all.
            if (training || prepareFailure != null || !request.path(SERVES_SESSION).asBoolean()) {
                break;
            }
            try {
                request = nextTurns.take();
            } catch (InterruptedException e) {
                break;
            }
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        if (training) {
            System.exit(0); // a normal exit, so that the JVM writes the AOT cache it was asked to record
        }
        // halt, not exit: threads, processes or shutdown hooks the agent left behind must not outlive the turn.
        Runtime.getRuntime().halt(0);
    }

    /**
     * While a spare waits for its message, runs our side of a turn (decode, encode, frames) on
     * a sample, so that the real turn finds that code initialised and linked. The agent is not
     * called: its one call belongs to the real turn. Stops as soon as the request is there, so
     * a worker started for a waiting message loses nothing; except in the training run, which
     * must always record these classes in the AOT cache, or spares would load them from scratch.
     */
    private static void warmUp(InputStream in, boolean training) throws IOException {
        ObjectNode sample = Frames.frame("turn").put("session_id", "warm-up");
        sample.set("message", MessageCodec.toJson(ChatMessage.user("warm-up").withUserParams(Map.of("n", 1))));
        sample.set("state", MessageCodec.toJson(List.of(ChatMessage.system("warm-up"), ChatMessage.assistant("warm-up"))));
        var sink = new ByteArrayOutputStream();
        for (int round = 0; round < WARM_UP_ROUNDS && (training || in.available() == 0); round++) {
            List<Problem> problems = new ArrayList<>();
            ChatMessage message = MessageCodec.fromJson(sample.path("message"), List.of("message"), problems, ChatMessage.USER);
            List<ChatMessage> state = MessageCodec.listFromJson(sample.path("state"), List.of("state"), problems);
            ObjectNode result = Frames.frame("result");
            result.set("response", MessageCodec.toJson(message));
            // Both shapes of a result's state: appended to what the turn was given, and replaced.
            List<ChatMessage> appended = new ArrayList<>(state);
            appended.add(message);
            putState(result, state, new TurnResult(message, appended).state());
            putState(result, state, new TurnResult(message, List.of(message)).state());
            sink.reset();
            Frames.write(sink, result);
            Frames.read(new ByteArrayInputStream(sink.toByteArray()), Long.MAX_VALUE);
        }
        if (training || in.available() == 0) {
            rehearseTurn(sink);
        }
    }

    /**
     * Runs once what surrounds the agent's call in a turn: the turn's host and scope, an event,
     * an error answer, the look for processes left behind. The training run of the agent's own
     * AOT cache calls no agent, so without this none of it was in that cache, and every spare
     * loaded some 45 classes at its turn (about 15 ms more per turn than with the image's cache).
     */
    private static void rehearseTurn(OutputStream sink) {
        WorkerTurn host = new WorkerTurn("warm-up", sink, 1 << 20);
        try (var scope = Turn.use(host)) {
            Turn.delta("warm-up");
        }
        TurnAnswer.error("warm-up");
        ProcessHandle.current().descendants().count();
    }

    /**
     * Lets the agent get ready while no message waits (a spare's idle time); a worker started
     * for a message that is already there skips it. The training run always calls it, so that
     * what it loads is in the AOT cache.
     *
     * @return the error frame to answer the turn with if it failed, else null
     */
    private static @Nullable ObjectNode prepare(ServableAgent agent, InputStream in, boolean training) throws IOException {
        if (!training && in.available() > 0) {
            return null;
        }
        try {
            agent.prepare();
            return null;
        } catch (Throwable t) {
            return failure("Agent prepare failed: " + AgentLoader.describe(t), t);
        }
    }

    /** {@code [--module-path PATHS] [--class-path PATHS] <agent-reference>} */
    private static ServableAgent loadAgent(String[] args) throws AgentLoadException {
        List<Path> modulePath = List.of();
        List<Path> classPath = List.of();
        int i = 0;
        for (; i + 1 < args.length && args[i].startsWith("--"); i += 2) {
            switch (args[i]) {
                case MODULE_PATH -> modulePath = PathList.parse(args[i + 1]);
                case CLASS_PATH -> classPath = PathList.parse(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown worker option " + args[i]);
            }
        }
        if (i != args.length - 1) {
            throw new IllegalArgumentException("usage: WorkerMain [--module-path P] [--class-path P] <agent-reference>");
        }
        return AgentLoader.load(AgentReference.parse(args[i]), modulePath, classPath);
    }

    /** A turn's answer frame, and the state it returned if it succeeded. */
    private record TurnAnswer(ObjectNode frame, @Nullable List<ChatMessage> state) {
        static TurnAnswer error(String error) {
            return new TurnAnswer(Frames.frame("error").put("error", error), null);
        }
    }

    /**
     * @param answeredState the state this worker's previous turn returned, which the server
     *        leaves out of a session's next request when it is still the session's
     */
    private static TurnAnswer runTurn(ServableAgent agent, ObjectNode request, @Nullable List<ChatMessage> answeredState) {
        List<Problem> problems = new ArrayList<>();
        ChatMessage message = MessageCodec.fromJson(request.path("message"), List.of("message"), problems, ChatMessage.USER);
        List<ChatMessage> state = request.path(STATE_AS_ANSWERED).asBoolean() ? answeredState
                : MessageCodec.listFromJson(request.path("state"), List.of("state"), problems);
        if (message == null || state == null) {
            return TurnAnswer.error("Invalid turn request: " + (state == null && problems.isEmpty()
                    ? "no state, and no earlier turn's state to start from" : problems));
        }
        TurnResult result;
        try {
            result = agent.runTurn(message, state);
        } catch (Throwable t) {
            return new TurnAnswer(failure(AgentLoader.describe(t), t), null);
        }
        if (result == null) {
            return TurnAnswer.error("Invalid turn result: the agent returned null instead of a TurnResult");
        }
        try {
            ObjectNode frame = Frames.frame("result");
            frame.set("response", MessageCodec.toJson(result.response()));
            putState(frame, state, result.state());
            return new TurnAnswer(frame, result.state());
        } catch (IllegalArgumentException e) {
            return TurnAnswer.error("Invalid turn result: a message holds a value that is not JSON: " + e.getMessage());
        }
    }

    /**
     * Puts a result's state in its frame. Most turns append to the history they were given:
     * then only what they appended crosses the pipe, so that a turn's cost does not grow with
     * the conversation's length.
     */
    private static void putState(ObjectNode frame, List<ChatMessage> given, List<ChatMessage> next) {
        if (next.size() >= given.size() && next.subList(0, given.size()).equals(given)) {
            frame.remove("state");
            frame.set(STATE_APPENDED, MessageCodec.toJson(next.subList(given.size(), next.size())));
        } else {
            frame.remove(STATE_APPENDED);
            frame.set("state", MessageCodec.toJson(next));
        }
    }

    /** An error frame with the agent's stack trace, which the server logs; bounded, like every frame. */
    private static ObjectNode failure(String error, Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        String text = trace.toString();
        return Frames.frame("error").put("error", error)
                .put("trace", text.length() > MAX_TRACE_CHARS ? text.substring(0, MAX_TRACE_CHARS) + "\n\t..." : text);
    }

    /**
     * Reads the server's frames once the first turn is in: answers to interrupts go to the
     * turn running now, a session's next turn to the main thread. End of input means the
     * server is gone, and so are we. The watching thread starts before the ready frame,
     * because starting a thread costs a few milliseconds that a waiting turn should not pay.
     */
    private static void watchParent(InputStream in, CompletableFuture<Void> serving, AtomicReference<WorkerTurn> current,
                                    BlockingQueue<ObjectNode> nextTurns) {
        Thread.ofPlatform().daemon().name("motus-parent-watchdog").start(() -> {
            try {
                serving.get();
                for (ObjectNode frame; (frame = Frames.read(in, MAX_RESUME_BYTES)) != null; ) {
                    switch (frame.path("type").asText()) {
                        case "resume" -> current.get().resume(frame);
                        case "turn" -> nextTurns.add(frame);
                        default -> { } // nothing else comes from the server
                    }
                }
            } catch (IOException | InterruptedException | ExecutionException e) {
                // same as end of input
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Runtime.getRuntime().halt(1);
        });
    }
}
