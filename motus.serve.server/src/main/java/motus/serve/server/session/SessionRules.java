package motus.serve.server.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * The session lifecycle, once, for every store: idle → running → interrupted → idle or error,
 * one turn at a time, a queue of messages sent meanwhile, and only the current turn commits.
 * Each command takes a record and gives a {@link Step}, or refuses with a
 * {@link SessionException}; nothing here waits, locks, stores or talks to a worker. A store
 * loads a record, asks the rules, saves the step's record atomically (under its lock, or in one
 * transaction on the locked row) and then does the step's effects: runs {@link Step#started},
 * tells followers about {@link Step#ended}, stops {@link Step#cancelled}'s worker.
 */
public final class SessionRules {

    /** The error of a session whose running turn a delete ended. */
    public static final String DELETED = "Session deleted";
    /** Why a deleted session's turn was cancelled. */
    public static final String TURN_DELETED = "Turn cancelled: session deleted";

    private final int maxQueued;

    /** @param maxQueued how many messages may wait behind a session's running turn */
    public SessionRules(int maxQueued) {
        this.maxQueued = maxQueued;
    }

    /** What a command did: the record after it (null once deleted) and what the store must do about it. */
    public record Step(@Nullable SessionRecord next, @Nullable Turn started, @Nullable Ended ended,
                       @Nullable Cancelled cancelled, @Nullable Answered answered, int queuedAt) {

        static Step to(SessionRecord next) {
            return new Step(next, null, null, null, null, 0);
        }

        /** A command about a turn that is no longer the session's: nothing changes. */
        static Step none(SessionRecord unchanged) {
            return to(unchanged);
        }

        Step started(Turn turn) {
            return new Step(next, turn, ended, cancelled, answered, queuedAt);
        }

        Step ended(Ended turn) {
            return new Step(next, started, turn, cancelled, answered, queuedAt);
        }

        Step cancelled(Cancelled turn) {
            return new Step(next, started, ended, turn, answered, queuedAt);
        }
    }

    /**
     * A turn ended in this step.
     *
     * @param view the session as the turn left it: what its {@code done}, its waiters and its webhook report,
     *             whether or not a queued turn started right after it
     */
    public record Ended(long number, long token, SessionView view) {
    }

    /** The worker of the turn with {@code token} must stop; its outcome will be discarded or is {@code reason}. */
    public record Cancelled(long token, String reason) {
    }

    /** An answer goes to the turn with {@code token}; {@code allAnswered}: it runs again. */
    public record Answered(long token, String interruptId, boolean allAnswered) {
    }

    /**
     * A client sends a message.
     *
     * @param tokens gives a new turn its fencing token; asked only when a turn starts
     * @throws SessionException {@code RUNNING} or {@code INTERRUPTED} with {@code reject};
     *                          {@code QUEUE_FULL} with {@code enqueue} past the bound
     */
    public Step send(SessionRecord session, Incoming incoming, MultitaskStrategy strategy, LongSupplier tokens) {
        if (!session.hasTurn()) {
            return start(session, session.state(), session.queue(), incoming, tokens);
        }
        return switch (strategy) {
            case REJECT -> throw new SessionException(session.status() == SessionStatus.INTERRUPTED
                    ? SessionException.Reason.INTERRUPTED : SessionException.Reason.RUNNING);
            case ENQUEUE -> {
                if (session.queue().size() >= maxQueued) {
                    throw new SessionException(SessionException.Reason.QUEUE_FULL, "Session queue is full: "
                            + session.queue().size() + " messages wait already (max-queued-messages)");
                }
                List<Incoming> queue = new ArrayList<>(session.queue());
                queue.add(incoming);
                SessionRecord next = new SessionRecord(session.id(), session.owner(), session.status(), null, null, session.state(),
                        session.interrupts(), session.turns(), session.token(), session.cancelReason(), queue,
                        session.history());
                yield new Step(next, null, null, null, null, queue.size());
            }
            case INTERRUPT -> {
                long superseded = session.token();
                Ended ended = new Ended(session.turns(), superseded, new SessionView(session.id(), SessionStatus.ERROR,
                        null, TurnOutcome.Cancelled.BY_CLIENT, session.state()));
                SessionRecord cancelled = new SessionRecord(session.id(), session.owner(), session.status(), null, null, session.state(),
                        List.of(), session.turns(), superseded, null, session.queue(),
                        ended(session.history(), new TurnOutcome.Cancelled(TurnOutcome.Cancelled.BY_CLIENT)));
                yield start(cancelled, session.state(), session.queue(), incoming, tokens)
                        .ended(ended)
                        .cancelled(new Cancelled(superseded, TurnOutcome.Cancelled.BY_CLIENT));
            }
        };
    }

    private static Step start(SessionRecord session, List<ChatMessage> state, List<Incoming> queue, Incoming incoming,
                              LongSupplier tokens) {
        long number = session.turns() + 1;
        long token = tokens.getAsLong();
        List<TurnSummary> history = new ArrayList<>(session.history());
        history.add(TurnSummary.started(incoming.turnId(), number, incoming.message()));
        SessionRecord next = new SessionRecord(session.id(), session.owner(), SessionStatus.RUNNING, null, null, state, List.of(),
                number, token, null, queue, history.subList(Math.max(0, history.size() - TurnSummary.KEPT), history.size()));
        return Step.to(next).started(new Turn(session.id(), number, token, incoming.message(), state, incoming.webhook(),
                incoming.environment(), incoming.traceContext()));
    }

    /**
     * The turn with {@code token} asks a client something; the session is interrupted until
     * every pending interrupt is answered.
     *
     * @return no change if the turn is no longer the session's
     */
    public Step interrupt(SessionRecord session, long token, Interrupt interrupt) {
        if (!isCurrent(session, token)) {
            return Step.none(session);
        }
        List<Interrupt> pending = new ArrayList<>(session.interrupts());
        pending.add(interrupt);
        return Step.to(new SessionRecord(session.id(), session.owner(), SessionStatus.INTERRUPTED, null, null, session.state(), pending,
                session.turns(), session.token(), session.cancelReason(), session.queue(), session.history()));
    }

    /**
     * A client answers one pending interrupt; with none left the session runs again.
     *
     * @throws SessionException {@code NOT_INTERRUPTED} or {@code UNKNOWN_INTERRUPT}
     */
    public Step resume(SessionRecord session, String interruptId) {
        if (session.status() != SessionStatus.INTERRUPTED) {
            throw new SessionException(SessionException.Reason.NOT_INTERRUPTED,
                    "Session is " + session.status().wireName() + ", not interrupted");
        }
        List<Interrupt> left = session.interrupts().stream().filter(pending -> !pending.id().equals(interruptId)).toList();
        if (left.size() == session.interrupts().size()) {
            throw new SessionException(SessionException.Reason.UNKNOWN_INTERRUPT, "Unknown interrupt_id: " + interruptId);
        }
        SessionStatus status = left.isEmpty() ? SessionStatus.RUNNING : SessionStatus.INTERRUPTED;
        SessionRecord next = new SessionRecord(session.id(), session.owner(), status, null, null, session.state(), left,
                session.turns(), session.token(), session.cancelReason(), session.queue(), session.history());
        return new Step(next, null, null, null, new Answered(session.token(), interruptId, left.isEmpty()), 0);
    }

    /**
     * Asks the running turn to end with {@code reason}; it ends where it runs, and commits its
     * cancellation. Messages queued behind it still run.
     *
     * @param turnId the turn meant, whose id its message came with; null: whichever runs
     * @throws SessionException {@code NOT_RUNNING} if no turn runs, or not that one
     */
    public Step cancel(SessionRecord session, String reason, @Nullable String turnId) {
        if (!session.hasTurn()) {
            throw new SessionException(SessionException.Reason.NOT_RUNNING,
                    "Session is " + session.status().wireName() + ", not running");
        }
        if (turnId != null && (session.history().isEmpty() || !session.history().getLast().id().equals(turnId))) {
            // It ended (and a queued one runs now): a cancel meant for it must not end another.
            throw new SessionException(SessionException.Reason.NOT_RUNNING, "Turn " + turnId + " is not running");
        }
        String first = session.cancelReason() != null ? session.cancelReason() : reason;
        SessionRecord next = new SessionRecord(session.id(), session.owner(), session.status(), null, null, session.state(),
                session.interrupts(), session.turns(), session.token(), first, session.queue(), session.history());
        return Step.to(next).cancelled(new Cancelled(session.token(), first));
    }

    /**
     * The turn with {@code token} ended with {@code outcome}; the oldest queued message, if
     * any, starts the next turn on the state it left.
     *
     * @return no change if the turn is no longer the session's: its outcome is discarded
     */
    public Step commit(SessionRecord session, long token, TurnOutcome outcome, LongSupplier tokens) {
        if (!isCurrent(session, token)) {
            return Step.none(session);
        }
        List<TurnSummary> history = ended(session.history(), outcome);
        SessionRecord committed = outcome instanceof TurnOutcome.Succeeded success
                ? new SessionRecord(session.id(), session.owner(), SessionStatus.IDLE, success.response(), null, success.state(),
                        List.of(), session.turns(), null, null, List.of(), history)
                : new SessionRecord(session.id(), session.owner(), SessionStatus.ERROR, null, outcome.error(), session.state(),
                        List.of(), session.turns(), null, null, List.of(), history);
        Ended ended = new Ended(session.turns(), token, committed.view());
        if (session.queue().isEmpty()) {
            return Step.to(committed).ended(ended);
        }
        List<Incoming> rest = session.queue().subList(1, session.queue().size());
        return start(committed, committed.state(), rest, session.queue().getFirst(), tokens).ended(ended);
    }

    /**
     * The server running the turn stopped (its lease ran out): the turn ends in error with
     * {@code reason}, and so do the messages queued behind it, which no server has taken.
     */
    public Step lose(SessionRecord session, String reason) {
        if (!session.hasTurn()) {
            return Step.none(session);
        }
        String error = session.queue().isEmpty() ? reason
                : reason + "; " + session.queue().size() + " queued message(s) were not run";
        SessionRecord lost = new SessionRecord(session.id(), session.owner(), SessionStatus.ERROR, null, error, session.state(), List.of(),
                session.turns(), null, null, List.of(), ended(session.history(), new TurnOutcome.Failed(reason)));
        return Step.to(lost).ended(new Ended(session.turns(), session.token(), lost.view()));
    }

    /** The session is deleted: its running turn is cancelled, its queue dropped, and its followers see it end. */
    public Step delete(SessionRecord session) {
        if (!session.hasTurn()) {
            return new Step(null, null, null, null, null, 0);
        }
        return new Step(null, null, new Ended(session.turns(), session.token(),
                new SessionView(session.id(), SessionStatus.ERROR, null, DELETED, session.state())),
                new Cancelled(session.token(), TURN_DELETED), null, 0);
    }

    /** Whether the TTL may remove the session: not while a turn runs or waits on a human. */
    public boolean mayExpire(SessionRecord session) {
        return !session.hasTurn();
    }

    /** The history with its running turn, the last, ended by {@code outcome}. */
    private static List<TurnSummary> ended(List<TurnSummary> history, TurnOutcome outcome) {
        if (history.isEmpty() || history.getLast().ending() != null) {
            return history; // a record from before turns were remembered
        }
        List<TurnSummary> ended = new ArrayList<>(history);
        ended.set(ended.size() - 1, history.getLast().ended(outcome));
        return ended;
    }

    private static boolean isCurrent(SessionRecord session, long token) {
        Long current = session.token();
        return current != null && current == token;
    }
}
