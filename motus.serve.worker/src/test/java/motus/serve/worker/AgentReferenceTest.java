package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AgentReferenceTest {

    @Test
    void parsesEveryForm() {
        assertEquals(new AgentReference(null, "com.acme.EchoAgent", null), AgentReference.parse("com.acme.EchoAgent"));
        assertEquals(new AgentReference(null, "com.acme.Agents", "echo"), AgentReference.parse("com.acme.Agents:echo"));
        assertEquals(new AgentReference("acme.agents", "com.acme.Agents", "echo"),
                AgentReference.parse("acme.agents/com.acme.Agents:echo"));
        assertEquals(new AgentReference(null, "Outer$Inner", null), AgentReference.parse("Outer$Inner"));
        assertEquals("acme.agents/com.acme.Agents:echo", AgentReference.parse("acme.agents/com.acme.Agents:echo").toString());
    }

    @Test
    void rejectsWhatIsNotAReference() {
        for (String bad : new String[] {"", "myapp:agent:extra", "com.acme.", "a/b/C", "1abc", "com.acme.Echo:"}) {
            assertThrows(IllegalArgumentException.class, () -> AgentReference.parse(bad), bad);
        }
    }
}
