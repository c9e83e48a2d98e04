package motus.serve.server;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One setting of an {@link AgentServer}, declared once in {@link Settings}: its key (under
 * {@code motus.serve} in a config file, and the flag {@code --key} of {@code motus serve start}
 * where it has one), its type, default, meaning and check. The builder, the config reader, the
 * flags and their help, and the typo check of config files all derive from these declarations.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

    private final String key;
    private final String description;
    private final @Nullable T defaultValue;
    private final Function<Config, Optional<T>> reader;
    private final Consumer<T> check;
    private final @Nullable String flagLabel;
    private final List<String> flagAliases;

    Setting(String key, String description, @Nullable T defaultValue, Function<Config, Optional<T>> reader,
            Consumer<T> check, @Nullable String flagLabel, List<String> flagAliases) {
        this.key = key;
        this.description = description;
        this.defaultValue = defaultValue;
        this.reader = reader;
        this.check = check;
        this.flagLabel = flagLabel;
        this.flagAliases = List.copyOf(flagAliases);
    }

    /** The config key under {@code motus.serve}, and the flag's name without {@code --}. */
    public String key() {
        return key;
    }

    /** What it means, in one sentence, with its default: the flag's help and the docs say this. */
    public String description() {
        return description;
    }

    /** The value when nothing sets it; null where there is none (no agent, no API key). */
    public @Nullable T defaultValue() {
        return defaultValue;
    }

    /** Whether {@code motus serve start} takes it as a flag; the others come from config only. */
    public boolean isFlag() {
        return flagLabel != null;
    }

    /** The flag's parameter label ({@code N}, {@code S}, {@code PATH}); empty for a switch. */
    public @Nullable String flagLabel() {
        return flagLabel;
    }

    /** The flag's names: {@code --key} and any short aliases. */
    public List<String> flagNames() {
        return Stream.concat(flagAliases.stream(), Stream.of("--" + key)).toList();
    }

    /**
     * Reads and checks the value of a config node.
     *
     * @return the value, or empty if the node is absent
     * @throws IllegalArgumentException naming the node's full key and what is wrong with its value
     */
    public Optional<T> read(Config node) {
        try {
            Optional<T> value = reader.apply(node);
            value.ifPresent(check);
            return value;
        } catch (ConfigException e) {
            throw new IllegalArgumentException(node.key() + ": not a valid value (" + node.asString().orElse("?") + "): "
                    + expected(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(node.key() + ": " + e.getMessage(), e);
        }
    }

    /** What a value of this setting looks like, for an error about one that does not. */
    String expected() {
        return switch (defaultValue) {
            case Duration duration -> "expected a number of seconds, such as 30 or 0.5";
            case Integer whole -> "expected a whole number";
            case Long whole -> "expected a whole number";
            case Boolean flag -> "expected true or false";
            case Enum<?> choice -> "expected one of " + Arrays.stream(choice.getDeclaringClass().getEnumConstants())
                    .map(constant -> constant.toString().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
            case null, default -> "expected a " + (flagLabel == null || flagLabel.isEmpty() ? "value" : flagLabel);
        };
    }

    /** Checks a value given in code: the builder's. */
    T check(T value) {
        check.accept(Objects.requireNonNull(value, key));
        return value;
    }

    @Override
    public String toString() {
        return key;
    }
}
