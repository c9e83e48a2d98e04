package motus.serve.worker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Path lists as {@code --module-path} and {@code --class-path} spell them: entries joined by
 * {@code :}, where an entry {@code dir/*} stands for the jars in {@code dir}, as for {@code java -cp}.
 */
public final class PathList {

    private PathList() {
    }

    /** The entries of a {@code :}-separated list; empty entries are skipped. */
    public static List<Path> parse(String pathList) {
        return of(Arrays.asList(pathList.split(File.pathSeparator)));
    }

    /** The entries of a list, each as in {@link #parse}; empty entries are skipped. */
    public static List<Path> of(List<String> entries) {
        return entries.stream().filter(s -> !s.isBlank()).flatMap(PathList::expand).toList();
    }

    public static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** {@code dir/*}: the jars in {@code dir}, by name (a fixed order keeps AOT caches valid). Otherwise the entry itself. */
    private static Stream<Path> expand(String entry) {
        if (!entry.equals("*") && !entry.endsWith(File.separator + "*")) {
            return Stream.of(Path.of(entry));
        }
        Path dir = Path.of(entry.substring(0, entry.length() - 1).isEmpty() ? "." : entry.substring(0, entry.length() - 1));
        if (!Files.isDirectory(dir)) {
            return Stream.of(Path.of(entry)); // reported later as an entry that does not exist
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
