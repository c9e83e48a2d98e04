/**
 * The agent contract of motus serve: everything an agent author compiles against.
 *
 * <p>An agent module says {@code requires motus.serve.api;} and implements
 * {@link motus.serve.api.ServableAgent}. Agent code only ever runs in worker processes.
 */
module motus.serve.api {
    requires static org.jspecify;

    exports motus.serve.api;
    exports motus.serve.api.spi;
}
