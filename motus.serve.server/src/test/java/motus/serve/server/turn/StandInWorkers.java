package motus.serve.server.turn;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import motus.serve.api.ChatMessage;
import motus.serve.server.workers.TurnHandle;
import motus.serve.server.workers.Workers;
import motus.serve.wire.Json;
import motus.serve.worker.TurnListener;
import motus.serve.worker.Worker;
import motus.serve.worker.WorkerAnswer;
import org.jspecify.annotations.Nullable;

/**
 * Stand-ins for worker processes, for tests that drive turns in-process: hands out workers that
 * answer when the test says, and lets the test take each one as a turn gets it.
 */
public final class StandInWorkers implements Workers {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    final BlockingQueue<StandInWorker> handedOut = new LinkedBlockingQueue<>();
    final AtomicInteger acquired = new AtomicInteger();
    private final boolean echoing;

    /** Workers that answer when the test says ({@link #next()}). */
    public StandInWorkers() {
        this(false);
    }

    private StandInWorkers(boolean echoing) {
        this.echoing = echoing;
    }

    /** Workers that answer every turn at once with its message's content, as the echo agent does. */
    public static StandInWorkers echoing() {
        return new StandInWorkers(true);
    }

    @Override
    public String agent() {
        return "stand-in";
    }

    /** A stand-in always resolves. */
    @Override
    public void checkAgent() {
    }

    @Override
    public @Nullable String lastFailure() {
        return null;
    }

    @Override
    public void close() {
    }

    @Override
    public @Nullable Worker acquire(TurnHandle turn) {
        acquired.incrementAndGet();
        StandInWorker worker = new StandInWorker(echoing);
        if (!turn.attach(worker)) {
            return null;
        }
        if (!echoing) {
            handedOut.add(worker);
        }
        return worker;
    }

    /** As the pool does with isolation per turn: no worker is kept, every turn's ends. */
    @Override
    public boolean keep(TurnHandle turn, Worker worker) {
        return false;
    }

    @Override
    public void release(TurnHandle turn, @Nullable Worker worker) {
        if (worker != null) {
            worker.kill();
        }
    }

    @Override
    public void sessionEnded(String sessionId) {
    }

    /** How many workers turns have asked for. */
    public int acquired() {
        return acquired.get();
    }

    /** The worker the next turn gets, once it has it; fails after ten seconds. */
    public StandInWorker next() throws InterruptedException {
        StandInWorker worker = handedOut.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        if (worker == null) {
            throw new AssertionError("no turn got a worker within " + DEADLINE);
        }
        return worker;
    }

    /** Answers when the test says, or fails as a killed process does. */
    public static final class StandInWorker implements Worker {
        /** The reply, or null once killed. */
        final CompletableFuture<@Nullable ChatMessage> reply = new CompletableFuture<>();
        final CompletableFuture<Boolean> killed = new CompletableFuture<>();
        private volatile @Nullable Error thrown;
        private final CompletableFuture<TurnListener> listening = new CompletableFuture<>();
        /** The answers the server handed it, in order: interrupt id and value. */
        public final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final boolean echoing;

        StandInWorker(boolean echoing) {
            this.echoing = echoing;
        }

        /** The agent replies {@code text}, appending the message and the reply to the state. */
        public void answer(String text) {
            reply.complete(ChatMessage.assistant(text));
        }

        /** The agent asks a question, as {@code Turn.interrupt} does, once its turn runs. */
        public void ask(String interruptId) throws Exception {
            listening.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)
                    .interrupted(interruptId, Json.MAPPER.createObjectNode().put("type", "tool_approval"));
        }

        /** Whether the server has killed it, waiting up to ten seconds. */
        public boolean killed() throws Exception {
            return killed.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }

        /** Fails the server's side of the turn, as an OutOfMemoryError reading the answer would. */
        void throwInTheServer(Error error) {
            thrown = error;
            reply.complete(null);
        }

        @Override
        public WorkerAnswer runTurn(String sessionId, ChatMessage message, List<ChatMessage> state, Map<String, String> traceContext,
                                    TurnListener listener) {
            listening.complete(listener);
            if (echoing) {
                reply.complete(ChatMessage.assistant(message.content()));
            }
            ChatMessage response = reply.join();
            Error error = thrown;
            if (error != null) {
                throw error;
            }
            if (response == null) {
                return new WorkerAnswer.Failure("Worker process was killed");
            }
            List<ChatMessage> next = new ArrayList<>(state);
            next.add(message);
            next.add(response);
            return new WorkerAnswer.Success(response, next);
        }

        @Override
        public void resume(String interruptId, JsonNode value) {
            answers.add(interruptId + "=" + value);
        }

        @Override
        public void kill() {
            reply.complete(null);
            killed.complete(true);
        }
    }
}
