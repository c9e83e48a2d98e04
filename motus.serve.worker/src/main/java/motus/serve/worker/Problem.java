package motus.serve.worker;

import java.util.List;

/**
 * One thing wrong with a JSON value, in the shape of the HTTP contract's 422 details.
 *
 * @param loc where: field names and list indexes from the root, e.g. {@code ["body", "state", 0, "role"]}
 * @param msg what is wrong, in a sentence
 * @param type a stable code for what is wrong, e.g. {@code "missing"} or {@code "string_type"}
 */
public record Problem(List<Object> loc, String msg, String type) {

    public Problem {
        loc = List.copyOf(loc);
    }
}
