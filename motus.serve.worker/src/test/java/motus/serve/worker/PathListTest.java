package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathListTest {

    @TempDir
    Path dir;

    @Test
    void aStarEntryIsTheFoldersJarsByNameAsForJavaCp() throws Exception {
        Files.createFile(dir.resolve("b.jar"));
        Files.createFile(dir.resolve("a.jar"));
        Files.createFile(dir.resolve("notes.txt"));
        Files.createDirectory(dir.resolve("classes"));

        assertEquals(List.of(dir.resolve("a.jar"), dir.resolve("b.jar"), Path.of("agent.jar")),
                PathList.parse(dir + "/*::agent.jar"));
        assertEquals(List.of(dir.resolve("a.jar"), dir.resolve("b.jar")), PathList.of(List.of(dir + "/*")));
    }

    @Test
    void aStarInAFolderThatIsNotThereStaysAsWrittenToBeReportedMissing() {
        assertEquals(List.of(Path.of("/nowhere/*")), PathList.parse("/nowhere/*"));
    }
}
