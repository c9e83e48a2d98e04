package motus.serve.server.a2a;

import motus.serve.server.jsonrpc.JsonRpc;
import motus.serve.server.session.SessionException;

/** A request A2A answers with a JSON-RPC error: JSON-RPC's own codes, or A2A's. */
final class A2aError extends JsonRpc.Failure {

    /** Ours, in JSON-RPC's range for servers: the context's turn runs (the HTTP contract's 409). */
    static final int CONTEXT_BUSY = -32000;
    static final int TASK_NOT_FOUND = -32001;
    static final int TASK_NOT_CANCELABLE = -32002;
    static final int PUSH_NOTIFICATION_NOT_SUPPORTED = -32003;
    static final int UNSUPPORTED_OPERATION = -32004;
    static final int CONTENT_TYPE_NOT_SUPPORTED = -32005;
    static final int EXTENDED_CARD_NOT_CONFIGURED = -32007;
    static final int VERSION_NOT_SUPPORTED = -32009;

    A2aError(int code, String message) {
        super(code, message);
    }

    static A2aError invalidParams(String message) {
        return new A2aError(JsonRpc.INVALID_PARAMS, message);
    }

    static A2aError taskNotFound(String taskId) {
        return new A2aError(TASK_NOT_FOUND, "Task not found: " + taskId);
    }

    /** The one place where the session rules' refusals get their A2A error. */
    static A2aError of(SessionException refusal) {
        int code = switch (refusal.reason()) {
            case NOT_FOUND -> TASK_NOT_FOUND;
            case RUNNING, INTERRUPTED, QUEUE_FULL -> CONTEXT_BUSY;
            case NOT_RUNNING -> TASK_NOT_CANCELABLE;
            case NOT_INTERRUPTED, UNKNOWN_INTERRUPT, ALREADY_EXISTS -> JsonRpc.INVALID_PARAMS;
            case TOO_MANY, STORAGE_FULL, SHUTTING_DOWN, STORE_UNAVAILABLE -> JsonRpc.INTERNAL_ERROR;
        };
        return new A2aError(code, refusal.getMessage());
    }
}
