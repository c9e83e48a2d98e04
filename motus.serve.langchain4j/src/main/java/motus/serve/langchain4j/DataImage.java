package motus.serve.langchain4j;

import dev.langchain4j.data.image.Image;
import java.util.Map;

/**
 * The wire format's {@code base64_image} as a LangChain4j {@link Image}: either a data URL
 * ({@code data:image/png;base64,...}) or bare base64, whose media type is read from the
 * image's first bytes, since models refuse an image without one.
 */
final class DataImage {

    /** The base64 openings of the formats models accept, and their media types. */
    private static final Map<String, String> SIGNATURES = Map.of(
            "iVBORw0KGgo", "image/png",
            "/9j/", "image/jpeg",
            "R0lGOD", "image/gif",
            "UklGR", "image/webp");

    private DataImage() {
    }

    static Image parse(String base64Image) {
        if (base64Image.startsWith("data:")) {
            int comma = base64Image.indexOf(',');
            int semicolon = base64Image.indexOf(';');
            if (comma > 0 && semicolon > 0 && semicolon < comma) {
                return Image.builder()
                        .mimeType(base64Image.substring("data:".length(), semicolon))
                        .base64Data(base64Image.substring(comma + 1))
                        .build();
            }
        }
        return Image.builder().mimeType(mimeType(base64Image)).base64Data(base64Image).build();
    }

    private static String mimeType(String base64) {
        return SIGNATURES.entrySet().stream()
                .filter(signature -> base64.startsWith(signature.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse("image/png");
    }
}
