package motus.serve.worker;

import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolutionException;
import java.lang.LayerInstantiationException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The agent's code, loaded inside the worker: its modules in a layer of their own above the
 * boot layer, its plain jars in a class loader above that.
 *
 * <p>Loading the agent here, rather than putting it on the JVM's {@code --module-path}, keeps
 * the worker's command line and boot layer the same for every agent, which is what lets one
 * AOT cache, made when the image is built, serve every agent.
 */
final class AgentCode {

    private final ModuleLayer layer;
    private final ClassLoader loader;

    private AgentCode(ModuleLayer layer, ClassLoader loader) {
        this.layer = layer;
        this.loader = loader;
    }

    /**
     * Resolves the agent's modules (all of them, or only {@code module} and what it requires)
     * against the boot layer, where our own modules and their dependencies already are.
     */
    static AgentCode load(List<Path> modulePath, List<Path> classPath, String module) throws AgentLoadException {
        requireExisting(modulePath, "module path");
        requireExisting(classPath, "class path");
        ModuleLayer boot = ModuleLayer.boot();
        ModuleLayer layer = boot;
        ClassLoader loader = ClassLoader.getSystemClassLoader();
        if (!modulePath.isEmpty()) {
            ModuleFinder finder = ModuleFinder.of(modulePath.toArray(Path[]::new));
            Set<String> roots;
            try {
                roots = module != null ? Set.of(module) : finder.findAll().stream()
                        .map(reference -> reference.descriptor().name())
                        .filter(name -> boot.findModule(name).isEmpty())
                        .collect(Collectors.toSet());
                if (module != null && boot.findModule(module).isEmpty() && finder.find(module).isEmpty()) {
                    throw new AgentLoadException("no module " + module + " on the module path " + PathList.join(modulePath));
                }
                // Modules the boot layer has (the api, Jackson) come from there, never from the agent's path:
                // a second copy of motus.serve.api would make the agent's ServableAgent a different type.
                Configuration configuration = Configuration.resolve(
                        ModuleFinder.of(), List.of(boot.configuration()), finder, roots);
                layer = boot.defineModulesWithOneLoader(configuration, loader);
            } catch (FindException | ResolutionException e) {
                throw new AgentLoadException("the agent's modules do not resolve: " + e.getMessage());
            } catch (LayerInstantiationException e) {
                throw new AgentLoadException("the agent's modules cannot be loaded: " + e.getMessage());
            }
            loader = roots.isEmpty() ? loader : layer.findLoader(roots.iterator().next());
        }
        if (!classPath.isEmpty()) {
            loader = new URLClassLoader("agent-class-path", urls(classPath), loader);
        }
        return new AgentCode(layer, loader);
    }

    Class<?> findClass(AgentReference ref) throws AgentLoadException, ClassNotFoundException {
        if (ref.module() == null) {
            return Class.forName(ref.className(), true, loader);
        }
        Module module = layer.findModule(ref.module())
                .orElseThrow(() -> new AgentLoadException("no module " + ref.module() + " on the module path"));
        Class<?> type = Class.forName(module, ref.className());
        if (type == null) {
            throw new AgentLoadException("no class " + ref.className() + " in module " + ref.module());
        }
        return Class.forName(type.getName(), true, type.getClassLoader());
    }

    /** A missing entry is the likeliest cause of a missing class: said as such, not as "no class". */
    private static void requireExisting(List<Path> entries, String what) throws AgentLoadException {
        for (Path entry : entries) {
            if (!Files.exists(entry)) {
                throw new AgentLoadException(what + " entry " + entry.toAbsolutePath() + " does not exist");
            }
        }
    }

    private static URL[] urls(List<Path> classPath) throws AgentLoadException {
        List<URL> urls = new ArrayList<>();
        for (Path path : classPath) {
            try {
                urls.add(path.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new AgentLoadException("bad class path entry " + path + ": " + e.getMessage());
            }
        }
        return urls.toArray(URL[]::new);
    }
}
