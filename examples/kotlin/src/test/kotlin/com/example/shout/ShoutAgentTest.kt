package com.example.shout

import motus.serve.api.ChatMessage
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class ShoutAgentTest {

    @Test
    fun `answers in capitals and counts the turns`() {
        val first = agent.runTurn(ChatMessage.user("hello"), emptyList())
        assertEquals("HELLO (turn 1)", first.response.content)
        val second = agent.runTurn(ChatMessage.user("again"), first.state)
        assertEquals("AGAIN (turn 2)", second.response.content)
        assertEquals(listOf("user", "assistant", "user", "assistant"), second.state.map { it.role })
    }

    @Test
    fun `a message without content is still answered`() {
        val result = agent.runTurn(ChatMessage.user(null), emptyList())
        assertEquals("(NOTHING TO SHOUT) (turn 1)", result.response.content)
    }
}
