package motus.serve.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The POM that install and deploy publish resolves on its own: an agent project never needs our parent. */
class PublishedPomTest {

    @Test
    void theInstalledPomNamesNoParentAndItsOwnCoordinates() throws IOException {
        String pom = Files.readString(Path.of(".flattened-pom.xml"));
        assertFalse(pom.contains("<parent>"), pom);
        assertTrue(pom.contains("<groupId>io.motus.serve</groupId>"), pom);
        assertTrue(pom.contains("<artifactId>motus.serve.api</artifactId>"), pom);
        assertTrue(pom.matches("(?s).*<version>[^<$]+</version>.*"), "a version, not a property: " + pom);
    }
}
