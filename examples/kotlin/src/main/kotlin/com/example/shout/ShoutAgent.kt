@file:JvmName("ShoutAgent")

package com.example.shout

import motus.serve.api.ChatMessage
import motus.serve.api.ServableAgent
import motus.serve.api.TurnResult

/**
 * Answers every message in capitals and says which turn of the conversation it is. A Kotlin
 * lambda is a [ServableAgent]; `@JvmField` makes it the static field that the reference
 * `com.example.shout.ShoutAgent:agent` names. Serve it with
 * `motus serve start com.example.shout.ShoutAgent:agent --class-path example-kotlin.jar:kotlin-stdlib.jar`.
 */
@JvmField
val agent = ServableAgent { message, state ->
    val turn = state.count { it.role == "user" } + 1
    // content is String?: a message may carry only tool calls or an image.
    val text = message.content?.uppercase() ?: "(NOTHING TO SHOUT)"
    val reply = ChatMessage.assistant("$text (turn $turn)")
    TurnResult(reply, state + message + reply)
}
