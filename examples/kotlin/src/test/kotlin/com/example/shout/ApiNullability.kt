package com.example.shout

import motus.serve.api.ChatMessage
import motus.serve.api.TurnResult

// Compiles only while Kotlin sees the API's JSpecify nullability: String? where a value may be
// null, plain String where it may not. If the annotations were lost, every type would be a
// platform type (String!), the non-null overload below would be picked for content, and the
// typed vals would not compile. Nothing here runs; the build breaks instead.

object MayBeNull
object NeverNull

@JvmName("nullableKind")
fun kind(value: String?): MayBeNull = MayBeNull

@JvmName("nonNullKind")
fun kind(value: String): NeverNull = NeverNull

@Suppress("unused")
fun checkedByTheCompiler(message: ChatMessage, result: TurnResult) {
    val content: MayBeNull = kind(message.content)
    val reasoning: MayBeNull = kind(message.reasoning)
    val toolCallId: MayBeNull = kind(message.toolCallId)
    val name: MayBeNull = kind(message.name)
    val role: NeverNull = kind(message.role)
    val reply: NeverNull = kind(result.response.role)
}
