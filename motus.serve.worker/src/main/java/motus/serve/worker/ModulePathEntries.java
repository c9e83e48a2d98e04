package motus.serve.worker;

import java.lang.System.Logger.Level;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An agent's module path without the entries that would hide a real module behind an empty one.
 * Kotlin multiplatform libraries publish a jar of metadata beside their JVM jar, both named for
 * the same module (OkHttp's {@code okio-3.6.0.jar} and {@code okio-jvm-3.6.0.jar} are both
 * {@code okio}); on a module path the first wins, and when that is the empty one, every class
 * of the real one is missing. A module without a package holds no class, so leaving it out
 * when another entry has the same name changes nothing else.
 */
final class ModulePathEntries {

    private static final System.Logger LOG = System.getLogger("motus.serve.worker");

    private ModulePathEntries() {
    }

    static List<Path> withoutEmptyTwins(List<Path> modulePath) {
        Map<Path, ModuleReference> modules = new HashMap<>();
        Map<String, Integer> withClasses = new HashMap<>();
        for (Path entry : modulePath) {
            single(entry).ifPresent(module -> {
                modules.put(entry, module);
                if (!module.descriptor().packages().isEmpty()) {
                    withClasses.merge(module.descriptor().name(), 1, Integer::sum);
                }
            });
        }
        List<Path> kept = new ArrayList<>();
        for (Path entry : modulePath) {
            ModuleReference module = modules.get(entry);
            if (module != null && module.descriptor().packages().isEmpty()
                    && withClasses.containsKey(module.descriptor().name())) {
                LOG.log(Level.DEBUG, "module path: {0} left out, an empty module {1} beside one with classes",
                        entry, module.descriptor().name());
            } else {
                kept.add(entry);
            }
        }
        return List.copyOf(kept);
    }

    /** The one module a jar is, or nothing for a folder of several, a broken jar or a missing entry (reported later). */
    private static Optional<ModuleReference> single(Path entry) {
        try {
            var found = ModuleFinder.of(entry).findAll();
            return found.size() == 1 ? Optional.of(found.iterator().next()) : Optional.empty();
        } catch (FindException e) {
            return Optional.empty();
        }
    }
}
