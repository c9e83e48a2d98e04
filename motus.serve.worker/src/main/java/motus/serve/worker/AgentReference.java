package motus.serve.worker;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A parsed agent reference, {@code [module/]Class[:member]}.
 *
 * @param module the module that holds the class, if named
 * @param className the binary name of the class
 * @param member the static field or method to use, if named
 */
record AgentReference(@Nullable String module, String className, @Nullable String member) {

    private static final String IDENT = "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*";
    private static final Pattern FORM = Pattern.compile(
            "(?:(?<module>" + IDENT + "(?:\\." + IDENT + ")*)/)?"
            + "(?<class>" + IDENT + "(?:[.$]" + IDENT + ")*)"
            + "(?::(?<member>" + IDENT + "))?");

    static AgentReference parse(String text) {
        var match = FORM.matcher(text.strip());
        if (!match.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an agent reference of the form"
                    + " [module/]Class[:member], e.g. com.acme.EchoAgent or acme.agents/com.acme.Agents:echo");
        }
        return new AgentReference(match.group("module"), match.group("class"), match.group("member"));
    }

    @Override
    public String toString() {
        return (module == null ? "" : module + "/") + className + (member == null ? "" : ":" + member);
    }
}
