/**
 * Serving LangChain4j agents: {@link motus.serve.langchain4j.LangChain4jAgent} makes a model with
 * tools, or an AI service, a {@link motus.serve.api.ServableAgent} whose memory is the session's
 * history; {@link motus.serve.langchain4j.Messages} converts messages both ways.
 */
@NullMarked
package motus.serve.langchain4j;

import org.jspecify.annotations.NullMarked;
