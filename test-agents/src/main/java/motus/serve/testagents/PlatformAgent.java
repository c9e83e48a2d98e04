package motus.serve.testagents;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.text.NumberFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.xml.parsers.DocumentBuilderFactory;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * Uses the parts of the Java platform that LLM agents and their libraries use, one per
 * message: {@code http URL} (java.net.http), {@code tls}, {@code sql}, {@code xml},
 * {@code log} (java.util.logging), {@code locale} (jdk.localedata), {@code charset}
 * (jdk.charsets), {@code zip} (jdk.zipfs).
 */
public class PlatformAgent implements ServableAgent {

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception {
        String[] words = message.content().split(" ");
        String reply = switch (words[0]) {
            case "http" -> HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create(words[1])).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            case "tls" -> {
                SSLContext tls = SSLContext.getDefault();
                HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
                yield client.sslContext().getProtocol() + " "
                        + List.of(tls.getSupportedSSLParameters().getProtocols()).contains("TLSv1.3");
            }
            case "sql" -> String.valueOf(Timestamp.valueOf("2026-11-25 10:00:00").toLocalDateTime().getYear());
            case "xml" -> DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream("<a><b>parsed</b></a>".getBytes(StandardCharsets.UTF_8)))
                    .getElementsByTagName("b").item(0).getTextContent();
            case "log" -> {
                Logger.getLogger("agent").info("a java.util.logging line");
                yield "logged";
            }
            case "locale" -> NumberFormat.getInstance(Locale.GERMANY).format(1234.5);
            case "charset" -> Charset.forName("Big5").name();
            case "zip" -> {
                Path zip = Files.createTempFile("agent", ".zip");
                Files.delete(zip);
                try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
                    Files.writeString(fs.getPath("inside.txt"), "zipped");
                }
                try (FileSystem fs = FileSystems.newFileSystem(zip)) {
                    yield Files.readString(fs.getPath("inside.txt"));
                } finally {
                    Files.delete(zip);
                }
            }
            default -> throw new IllegalArgumentException("unknown: " + words[0]);
        };
        return TurnResult.append(state, message, ChatMessage.assistant(reply));
    }
}
