package motus.serve.worker;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Path lists as {@code --module-path} and {@code --class-path} spell them: entries joined by {@code :}. */
public final class PathList {

    private PathList() {
    }

    /** The entries of a {@code :}-separated list; empty entries are skipped. */
    public static List<Path> parse(String pathList) {
        return Arrays.stream(pathList.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    public static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }
}
