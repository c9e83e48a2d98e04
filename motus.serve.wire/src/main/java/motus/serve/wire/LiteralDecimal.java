package motus.serve.wire;

import java.io.Serial;
import java.math.BigDecimal;

/**
 * A number as the client wrote it, where no plainer Java type would write it back the same:
 * {@code 1e400}, {@code 1.50}, {@code 1e2}, {@code -0}, {@code 123456789012345678901234567890.1}.
 * It is a BigDecimal of the same value; only its text is kept as well, and Jackson writes a
 * BigDecimal by its {@code toString()}.
 */
final class LiteralDecimal extends BigDecimal {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String literal;

    LiteralDecimal(String literal) {
        super(literal);
        this.literal = literal;
    }

    @Override
    public String toString() {
        return literal;
    }
}
