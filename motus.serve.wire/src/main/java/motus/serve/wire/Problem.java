package motus.serve.wire;

import java.util.List;
import java.util.stream.Stream;

/**
 * One thing wrong with a JSON value, in the shape of the HTTP contract's 422 details. The
 * factories are the whole vocabulary, worded as the original server words it, so that clients
 * matching on {@code type} or {@code msg} see the same as there.
 *
 * @param loc where: field names and list indexes from the root, e.g. {@code ["body", "state", 0, "role"]}
 * @param msg what is wrong, in a sentence
 * @param type a stable code for what is wrong, e.g. {@code "missing"} or {@code "string_type"}
 */
public record Problem(List<Object> loc, String msg, String type) {

    public Problem {
        loc = List.copyOf(loc);
    }

    /** {@code loc} with one more step. */
    public static List<Object> at(List<Object> loc, Object step) {
        return Stream.concat(loc.stream(), Stream.of(step)).toList();
    }

    public static Problem missing(List<Object> loc) {
        return new Problem(loc, "Field required", "missing");
    }

    public static Problem notAnObject(List<Object> loc) {
        return new Problem(loc, "Input should be a valid dictionary or object to extract fields from", "model_attributes_type");
    }

    public static Problem notADictionary(List<Object> loc) {
        return new Problem(loc, "Input should be a valid dictionary", "dict_type");
    }

    public static Problem notAList(List<Object> loc) {
        return new Problem(loc, "Input should be a valid list", "list_type");
    }

    public static Problem notAString(List<Object> loc) {
        return new Problem(loc, "Input should be a valid string", "string_type");
    }

    public static Problem notABoolean(List<Object> loc) {
        return new Problem(loc, "Input should be a valid boolean", "bool_type");
    }

    /** A value outside a fixed set; {@code allowed} as the sentence names them: {@code 'a', 'b' or 'c'}. */
    public static Problem notOneOf(List<Object> loc, String allowed) {
        return new Problem(loc, "Input should be " + allowed, "literal_error");
    }

    /** A query parameter that is no boolean in any spelling. */
    public static Problem notABooleanText(List<Object> loc) {
        return new Problem(loc, "Input should be a valid boolean, unable to interpret input", "bool_parsing");
    }

    /** A query parameter that is no number. */
    public static Problem notANumberText(List<Object> loc) {
        return new Problem(loc, "Input should be a valid number, unable to parse string as a number", "float_parsing");
    }

    public static Problem notFiniteAndNonNegative(List<Object> loc) {
        return new Problem(loc, "Input should be a finite number greater than or equal to 0", "greater_than_equal");
    }

    public static Problem notAnHttpUrl(List<Object> loc) {
        return new Problem(loc, "URL scheme should be 'http' or 'https'", "url_scheme");
    }

    /** A string that is not a URL the server could use, with why. */
    public static Problem notAUrl(List<Object> loc, String why) {
        return new Problem(loc, "Input should be a valid URL, " + why, "url_parsing");
    }

    /** A value the server's own policy refuses, with why (a webhook host it may not send to, say). */
    public static Problem refused(List<Object> loc, String why) {
        return new Problem(loc, "Value error, " + why, "value_error");
    }

    /** A body that does not parse; {@code loc} ends with the character offset. */
    public static Problem invalidJson(List<Object> loc, String reason) {
        return new Problem(loc, "JSON decode error: " + reason, "json_invalid");
    }
}
