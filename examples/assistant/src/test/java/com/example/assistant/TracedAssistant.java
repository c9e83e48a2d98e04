package com.example.assistant;

import motus.serve.api.ServableAgent;

/**
 * The assistant as a served test agent: its endpoint from the worker's system properties (the
 * test's server passes them in {@code worker-jvm-options}), since a test cannot set a worker's
 * environment.
 */
public final class TracedAssistant {

    private TracedAssistant() {
    }

    public static ServableAgent agent() {
        return new AssistantAgent(name -> System.getProperty(name, System.getenv(name)));
    }
}
