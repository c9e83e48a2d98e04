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
    /** Set on a snapshot's template worker (see {@link #becomeCopy}). */
    static final String TEMPLATE_PROPERTY = "motus.worker.template";
    static final String MODULE_PATH = "--module-path";
    static final String CLASS_PATH = "--class-path";
    /** Enough for class initialisation and first execution; more buys little and costs CPU. */
    private static final int WARM_UP_ROUNDS = 10;
    /**
     * A template's, paid once: enough that the methods of a turn's frames are compiled before the
     * checkpoint, not in every copy (each copy compiled some 15 more with the fresh worker's rounds).
     */
    private static final int TEMPLATE_WARM_UP_ROUNDS = 300;
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
            Frames.write(frames, new Frame.Failed(e.getMessage()));
            Runtime.getRuntime().halt(EXIT_AGENT_NOT_FOUND);
            return;
        }
        boolean training = Boolean.getBoolean(TRAINING_PROPERTY);
        CompletableFuture<Void> serving = new CompletableFuture<>();
        AtomicReference<WorkerTurn> current = new AtomicReference<>();
        BlockingQueue<NextTurn> nextTurns = new LinkedBlockingQueue<>();
        watchParent(in, serving, current, nextTurns);
        // Its own clock, so that the server can time a spare's start-up though it reads this frame later.
        Frames.write(frames, new Frame.Ready(System.currentTimeMillis()));
        Frame.Failed prepareFailure;
        if (Boolean.getBoolean(TEMPLATE_PROPERTY)) {
            prepareFailure = becomeCopy(agent, in, frames);
        } else {
            warmUp(in, training, WARM_UP_ROUNDS);
            prepareFailure = prepare(agent, in, training);
        }

        ObjectNode first = Frames.read(in, Long.MAX_VALUE);
        if (first == null) {
            if (training) {
                System.exit(0); // an agent cache's training run: a normal exit writes the cache
            }
            Runtime.getRuntime().halt(0); // released unused: a start-up check or a spare worker
        }
        NextTurn request = NextTurn.of(first);
        @Nullable List<ChatMessage> answeredState = null;
        while (true) {
            Frame.TurnRequest turn = request.turn();
            if (turn == null) {
                serving.complete(null);
                synchronized (frames) {
                    Frames.write(frames, new Frame.Failed("Invalid turn request: " + request.invalid()));
                }
                break;
            }
            WorkerTurn host = new WorkerTurn(turn.sessionId(), frames, turn.maxFrameBytes(), turn.traceContext());
            current.set(host);
            if (!training) {
                serving.complete(null);
            }
            ObjectNode answer;
            try (var scope = Turn.use(host)) {
                TurnAnswer turnAnswer = prepareFailure != null ? new TurnAnswer(prepareFailure.json(), null)
                        : runTurn(agent, host, turn, answeredState);
                answer = turnAnswer.frame();
                answeredState = turnAnswer.state();
            }
            synchronized (frames) { // after any event an agent thread is still writing
                Frames.write(frames, answer);
            }
            // Isolation per session: the same agent serves the session's next turn, statics and all.
            if (training || prepareFailure != null || !turn.servesSession()) {
                break;
            }
            try {
                request = nextTurns.take();
            } catch (InterruptedException e) {
                break;
            }
        }
        endChildren();
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
    private static void warmUp(InputStream in, boolean training, int rounds) throws IOException {
        ObjectNode sample = new Frame.TurnRequest("warm-up", 1 << 20, false,
                ChatMessage.user("warm-up").withUserParams(Map.of("n", 1)),
                List.of(ChatMessage.system("warm-up"), ChatMessage.assistant("warm-up")), Map.of()).json();
        var sink = new ByteArrayOutputStream();
        for (int round = 0; round < rounds && (training || in.available() == 0); round++) {
            try {
                Frame.TurnRequest turn = (Frame.TurnRequest) Frame.of(sample);
                // Both shapes of a result's state: appended to what the turn was given, and replaced.
                List<ChatMessage> appended = new ArrayList<>(turn.state());
                appended.add(turn.message());
                for (List<ChatMessage> next : List.of(appended, List.of(turn.message()))) {
                    sink.reset();
                    Frames.write(sink, Frame.Result.of(turn.message(), turn.state(), new TurnResult(turn.message(), next).state()));
                    Frame.of(Frames.read(new ByteArrayInputStream(sink.toByteArray()), Long.MAX_VALUE));
                }
            } catch (Frame.InvalidFrameException e) {
                throw new IllegalStateException("the warm-up's own frames do not decode", e);
            }
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
        WorkerTurn host = new WorkerTurn("warm-up", sink, 1 << 20, Map.of());
        try (var scope = Turn.use(host)) {
            Turn.delta("warm-up");
        }
        TurnTrace.rehearse(sink);
        new Frame.Failed("warm-up").json();
        ProcessHandle.current().descendants().count();
    }

    /**
     * Lets the agent get ready while no message waits (a spare's idle time); a worker started
     * for a message that is already there skips it. The training run always calls it, so that
     * what it loads is in the AOT cache.
     *
     * @return the failure to answer the turn with if it failed, else null
     */
    private static Frame.@Nullable Failed prepare(ServableAgent agent, InputStream in, boolean training) throws IOException {
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

    /**
     * A snapshot's template: warms up and prepares as fully as a training run, collects its
     * garbage (a smaller image is a cheaper restore), says it is prepared and waits, and the
     * server checkpoints it in that wait. What follows the wait runs in every copy restored from
     * the image, each on its own pipes: reseed the JDK's generators, run the agent's hook, say
     * ready, and serve a turn as any worker does. A template whose agent fails to prepare says so
     * and exits: there is no snapshot of it, and fresh workers report the failure turn by turn.
     *
     * @return in a copy, why its turn must fail (the agent's hook threw), else null
     */
    private static Frame.@Nullable Failed becomeCopy(ServableAgent agent, InputStream in, OutputStream frames)
            throws IOException {
        warmUp(in, true, TEMPLATE_WARM_UP_ROUNDS);
        Frame.Failed prepareFailure = prepare(agent, in, true);
        if (prepareFailure != null) {
            failAndHalt(frames, prepareFailure);
        }
        try {
            CopySeeds.prepare();
        } catch (IllegalStateException e) {
            failAndHalt(frames, new Frame.Failed(e.getMessage()));
        }
        System.gc();
        Frames.write(frames, new Frame.Prepared());
        ObjectNode restored = Frames.read(in, 1 << 10); // the checkpoint is taken while this waits
        // A copy from here on; or the template itself, released without a snapshot.
        if (!isRestored(restored)) {
            Runtime.getRuntime().halt(1);
        }
        try {
            CopySeeds.reseed();
        } catch (IllegalStateException e) {
            failAndHalt(frames, new Frame.Failed(e.getMessage()));
        }
        Frame.Failed hookFailure = null;
        try {
            agent.restored();
        } catch (Throwable t) {
            hookFailure = failure("Agent restored failed: " + AgentLoader.describe(t), t);
        }
        Frames.write(frames, new Frame.Ready(System.currentTimeMillis()));
        return hookFailure;
    }

    private static boolean isRestored(@Nullable ObjectNode frame) {
        try {
            return frame != null && Frame.of(frame) instanceof Frame.Restored;
        } catch (Frame.InvalidFrameException e) {
            return false;
        }
    }

    /** A template that cannot be checkpointed, or a copy that cannot serve: says why, and exits. */
    private static void failAndHalt(OutputStream frames, Frame.Failed failure) throws IOException {
        Frames.write(frames, failure);
        Runtime.getRuntime().halt(1);
    }

    /**
     * Kills the processes the agent started and left. A copy restored from a snapshot is the init
     * of a pid namespace of its own, whose exit the kernel makes theirs; and where /proc is the
     * host's, as it is there, a look for its children (pid 1's) would find the host's.
     */
    private static void endChildren() {
        if (ProcessHandle.current().pid() != 1) {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
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

    /** What the server sent: a turn, an answer to an interrupt, or why it is neither. */
    private record NextTurn(Frame.@Nullable TurnRequest turn, Frame.@Nullable Resume resume, @Nullable String invalid) {
        static NextTurn of(ObjectNode frame) {
            try {
                return switch (Frame.of(frame)) {
                    case Frame.TurnRequest turn -> new NextTurn(turn, null, null);
                    case Frame.Resume resume -> new NextTurn(null, resume, null);
                    case Frame other -> new NextTurn(null, null, "a '" + other.type() + "' frame instead of a turn");
                };
            } catch (Frame.InvalidFrameException e) {
                return new NextTurn(null, null, e.problems.isEmpty() ? e.getMessage() : e.problems.toString());
            }
        }
    }

    /** A turn's answer frame, encoded (which may fail on a value that is no JSON), and the state it returned if it succeeded. */
    private record TurnAnswer(ObjectNode frame, @Nullable List<ChatMessage> state) {
        static TurnAnswer error(String error) {
            return new TurnAnswer(new Frame.Failed(error).json(), null);
        }
    }

    /**
     * @param answeredState the state this worker's previous turn returned, which the server
     *        leaves out of a session's next request when it is still the session's
     */
    private static TurnAnswer runTurn(ServableAgent agent, WorkerTurn host, Frame.TurnRequest turn,
                                      @Nullable List<ChatMessage> answeredState) {
        List<ChatMessage> state = turn.state() != null ? turn.state() : answeredState;
        if (state == null) {
            return TurnAnswer.error("Invalid turn request: no state, and no earlier turn's state to start from");
        }
        TurnResult result;
        // Ended before the answer is written: its span reaches the server before the turn's end does.
        try (TurnTrace trace = TurnTrace.start(host, agent.getClass().getName())) {
            try {
                result = agent.runTurn(turn.message(), state);
            } catch (Throwable t) {
                trace.failed(t);
                return new TurnAnswer(failure(AgentLoader.describe(t), t).json(), null);
            }
        }
        if (result == null) {
            return TurnAnswer.error("Invalid turn result: the agent returned null instead of a TurnResult");
        }
        try {
            return new TurnAnswer(Frame.Result.of(result.response(), state, result.state()).json(), result.state());
        } catch (IllegalArgumentException e) {
            return TurnAnswer.error("Invalid turn result: a message holds a value that is not JSON: " + e.getMessage());
        }
    }

    /** A failure with the agent's stack trace, which the server logs; bounded, like every frame. */
    private static Frame.Failed failure(String error, Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        String text = trace.toString();
        return new Frame.Failed(error, text.length() > MAX_TRACE_CHARS ? text.substring(0, MAX_TRACE_CHARS) + "\n\t..." : text);
    }

    /**
     * Reads the server's frames once the first turn is in: answers to interrupts go to the
     * turn running now, a session's next turn to the main thread. End of input means the
     * server is gone, and so are we. The watching thread starts before the ready frame,
     * because starting a thread costs a few milliseconds that a waiting turn should not pay.
     */
    private static void watchParent(InputStream in, CompletableFuture<Void> serving, AtomicReference<WorkerTurn> current,
                                    BlockingQueue<NextTurn> nextTurns) {
        Thread.ofPlatform().daemon().name("motus-parent-watchdog").start(() -> {
            try {
                serving.get();
                for (ObjectNode frame; (frame = Frames.read(in, MAX_RESUME_BYTES)) != null; ) {
                    NextTurn next = NextTurn.of(frame);
                    if (next.resume() != null) {
                        current.get().resume(next.resume());
                    } else {
                        nextTurns.add(next); // a session's next turn, or why it is none, answered in its turn
                    }
                }
            } catch (IOException | InterruptedException | ExecutionException e) {
                // same as end of input
            }
            endChildren();
            Runtime.getRuntime().halt(1);
        });
    }
}
