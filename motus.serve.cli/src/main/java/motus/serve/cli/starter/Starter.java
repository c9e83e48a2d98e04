package motus.serve.cli.starter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;

/**
 * A new agent project: a Maven project of its own (no parent of ours) with a module, one agent,
 * its JUnit test and a README that says how to build and serve it.
 *
 * @param directory where the project goes; it must not exist or be empty
 * @param groupId the project's Maven groupId
 * @param artifactId the project's artifactId, which also names its jar
 * @param packageName the agent's package, which is also its module's name
 */
public record Starter(Path directory, String groupId, String artifactId, String packageName) {

    private static final Pattern ARTIFACT_ID = Pattern.compile("[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\w+)}}");

    /** Checks every name, so that a bad one fails before anything is written. */
    public Starter {
        if (!ARTIFACT_ID.matcher(artifactId).matches()) {
            throw new IllegalArgumentException("artifact id '" + artifactId
                    + "' must be lower-case letters and digits, words joined by '-', '_' or '.', starting with a letter");
        }
        requirePackage("group id", groupId);
        requirePackage("package", packageName);
    }

    /** A project in {@code directory}, its artifactId the folder's name and its package {@code groupId.<name>}. */
    public static Starter of(Path directory, String groupId) {
        String artifactId = directory.toAbsolutePath().normalize().getFileName().toString();
        String word = artifactId.replaceAll("(?i)[-_.]?agent$", "").replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT);
        return new Starter(directory, groupId, artifactId, groupId + "." + (SourceVersion.isName(word) ? word : "agent"));
    }

    /** {@code hello-agent} → {@code HelloAgent}, {@code weather} → {@code WeatherAgent}. */
    public String className() {
        StringBuilder name = new StringBuilder();
        for (String word : artifactId.split("[-_.]")) {
            name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return name.toString().endsWith("Agent") ? name.toString() : name + "Agent";
    }

    /** The agent reference that {@code motus serve start} takes. */
    public String agentReference() {
        return packageName + "." + className();
    }

    /**
     * Writes the project.
     *
     * @return the files written, relative to {@link #directory()}
     * @throws IllegalStateException if the directory exists and is not empty
     */
    public List<Path> write() throws IOException {
        if (Files.isDirectory(directory)) {
            try (var entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException(directory + " exists and is not empty; name a new folder");
                }
            }
        } else if (Files.exists(directory)) {
            throw new IllegalStateException(directory + " exists and is not a folder");
        }
        Map<String, String> values = values();
        String packagePath = packageName.replace('.', '/');
        Map<String, String> files = new LinkedHashMap<>();
        files.put("pom.xml", "pom.xml.template");
        files.put("README.md", "README.md.template");
        files.put(".gitignore", "gitignore.template");
        files.put("mvnw", "mvnw");
        files.put("src/main/java/module-info.java", "module-info.java.template");
        files.put("src/main/java/" + packagePath + "/" + className() + ".java", "Agent.java.template");
        files.put("src/test/java/" + packagePath + "/" + className() + "Test.java", "AgentTest.java.template");
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = directory.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, fill(resource(file.getValue()), values));
        }
        // The wrapper runs as ./mvnw, as this project's does; where permissions are not POSIX, sh mvnw does.
        try {
            Path wrapper = directory.resolve("mvnw");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException notPosix) {
            // left as written
        }
        return files.keySet().stream().map(Path::of).toList();
    }

    private Map<String, String> values() {
        Properties versions = new Properties();
        try (InputStream in = Starter.class.getResourceAsStream("starter.properties")) {
            versions.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "groupId", groupId,
                "artifactId", artifactId,
                "package", packageName,
                "className", className(),
                "apiVersion", versions.getProperty("api.version"),
                "junitVersion", versions.getProperty("junit.version"),
                "compilerVersion", versions.getProperty("compiler.version"),
                "surefireVersion", versions.getProperty("surefire.version"),
                "jarVersion", versions.getProperty("jar.version"));
    }

    private static String fill(String template, Map<String, String> values) {
        Matcher placeholder = PLACEHOLDER.matcher(template);
        StringBuilder filled = new StringBuilder();
        while (placeholder.find()) {
            String value = values.get(placeholder.group(1));
            if (value == null) {
                throw new IllegalStateException("the starter's template names no value " + placeholder.group());
            }
            placeholder.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        return placeholder.appendTail(filled).toString();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Starter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the starter's template " + name + " is missing from the launcher");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void requirePackage(String what, String name) {
        if (!SourceVersion.isName(name)) {
            throw new IllegalArgumentException(what + " '" + name + "' must be a Java package name, such as com.acme");
        }
        if (name.equals("java") || name.startsWith("java.")) {
            throw new IllegalArgumentException(what + " '" + name + "' may not start with java, which the JDK reserves");
        }
    }
}
