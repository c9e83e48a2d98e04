/**
 * What an agent author needs: {@link motus.serve.api.ServableAgent}, the messages it reads
 * and writes, and the {@link motus.serve.api.TurnResult} it returns.
 */
@NullMarked
package motus.serve.api;

import org.jspecify.annotations.NullMarked;
