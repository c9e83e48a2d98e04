package motus.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import motus.serve.wire.Json;

/**
 * One Server-Sent Event of a turn's stream: {@code started}, {@code delta}, {@code agent},
 * {@code interrupted}, {@code resumed} or {@code done}, with its JSON data.
 */
record ServerEvent(String name, JsonNode data) {

    /**
     * Reads events from {@code stream} and hands each to {@code handler} until it returns false
     * or the stream ends. Comments (the server's keep-alives) are skipped.
     */
    static void read(InputStream stream, Predicate<ServerEvent> handler) throws IOException {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (name != null && !handler.test(new ServerEvent(name, Json.MAPPER.readTree(data.toString())))) {
                        return;
                    }
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring("data:".length()).strip());
                }
            }
        }
    }
}
