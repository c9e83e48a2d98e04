package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A module path where a Kotlin multiplatform library's empty metadata jar would hide its JVM jar. */
class ModulePathEntriesTest {

    @TempDir
    Path dir;

    @Test
    void anEmptyModuleIsLeftOutOnlyBesideOneOfTheSameNameWithClasses() throws IOException {
        Path metadata = jar("okio-3.6.0.jar", null, "okio/internal/_Utf8Kt.kotlin_metadata");
        Path classes = jar("okio-jvm-3.6.0.jar", "okio", "okio/Buffer.class");
        Path other = jar("kotlin-stdlib-2.0.jar", null, "kotlin/Unit.class");
        Path lonelyEmpty = jar("annotations-only.jar", null, "META-INF/notes.txt");

        assertEquals(List.of(classes, other, lonelyEmpty),
                ModulePathEntries.withoutEmptyTwins(List.of(metadata, classes, other, lonelyEmpty)));
        assertEquals(List.of(other, classes), ModulePathEntries.withoutEmptyTwins(List.of(other, classes, metadata)),
                "the order is the user's");
        Path missing = dir.resolve("missing.jar");
        assertEquals(List.of(missing, metadata), ModulePathEntries.withoutEmptyTwins(List.of(missing, metadata)),
                "what it cannot read is left for the worker to report");
    }

    /** A jar whose file name gives the module name unless {@code moduleName} is set in its manifest. */
    private Path jar(String name, String moduleName, String entry) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (moduleName != null) {
            manifest.getMainAttributes().putValue("Automatic-Module-Name", moduleName);
        }
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(new byte[] {1, 2, 3}); // packages come from entry names; nothing reads the bytes
            out.closeEntry();
        }
        return jar;
    }
}
