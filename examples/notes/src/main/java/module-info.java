/** A multi-turn agent: what it knows lives in the session's state, not in the process. */
module com.example.notes {
    requires motus.serve.api;

    exports com.example.notes;
}
