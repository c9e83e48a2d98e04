/**
 * The {@code motus} command: {@code motus serve start} runs a server, the other
 * {@code motus serve} commands talk to one over HTTP.
 */
module motus.serve.cli {
    requires motus.serve.server;
    requires motus.serve.wire; // the JSON mapper and messages' JSON form
    requires info.picocli;
    requires org.jline.reader;
    requires io.helidon.config.yaml;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
    requires java.net.http;
    requires java.compiler; // SourceVersion: the starter checks Java names as javac does
    // sun.misc.Signal: SIGTERM and Ctrl-C stop the server gracefully and exit 0
    requires jdk.unsupported;
    requires static org.jspecify;

    opens motus.serve.cli to info.picocli;
}
