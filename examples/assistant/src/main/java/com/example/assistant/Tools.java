package com.example.assistant;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** What the assistant can do besides talking. */
public final class Tools {

    @Tool(name = "add", value = "Adds two numbers exactly")
    public String add(@P("the first number") BigDecimal a, @P("the second number") BigDecimal b) {
        return a.add(b).toPlainString();
    }

    @Tool(name = "multiply", value = "Multiplies two numbers exactly")
    public String multiply(@P("the first number") BigDecimal a, @P("the second number") BigDecimal b) {
        return a.multiply(b).toPlainString();
    }

    @Tool(name = "current_time", value = "The current date and time in a time zone")
    public String currentTime(@P("an IANA time zone such as Europe/Paris, or UTC") String zone) {
        return ZonedDateTime.now(ZoneId.of(zone)).format(DateTimeFormatter.RFC_1123_DATE_TIME);
    }

    /**
     * Asks before it runs (the agent lists it in askBeforeRunning). Its only effect is its result,
     * which the session's history keeps: the note is remembered as long as the session lives.
     */
    @Tool(name = "save_note", value = "Saves a note for later in this conversation")
    public String saveNote(@P("the note") String text) {
        return "Saved: " + text;
    }
}
