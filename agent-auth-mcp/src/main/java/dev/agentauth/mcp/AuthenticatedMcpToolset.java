package dev.agentauth.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolDescriptor;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.core.Principal;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An {@link AuthenticatedMcpServer}'s tools as a framework-neutral {@link ToolSource}, for an agent of any framework
 * adapter (LangChain4j's {@code AuthenticatedAgent}, Spring AI's {@code AuthenticatedChatClient}): they behave like
 * {@code @AuthenticatedTool} methods — the same consent interrupt, resume, blocking and tell-the-model modes — and the
 * user's token never reaches the model.
 *
 * <pre>{@code
 * AuthenticatedMcpServer notes = AuthenticatedMcpServer.streamableHttp("notes", URI.create("https://notes.example.com/mcp"))
 *     .broker(broker).provider("corp", "notes.read").build();
 * AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker).chatModel(model)
 *     .toolSources(AuthenticatedMcpToolset.of(notes))
 *     .build();
 * }</pre>
 *
 * <p><b>Tool lists.</b> The model sees the server's shared tool catalog ({@link AuthenticatedMcpServer#cachedTools()}),
 * which never asks anyone to consent. Before any listing was possible (no user has authorized yet, and no catalog
 * principal is configured), the model sees one tool, {@code connect_<server id>}: calling it asks the user to
 * authorize, and once they have, the server's real tools appear in the next model request.
 *
 * <p><b>Failures.</b> As for {@code @AuthenticatedTool} methods: what the operator must fix (configuration, client
 * credentials the provider refuses, MCP authorization that cannot work) is thrown out of the AI-service call, never
 * told to the model; a consent is the interrupt; a provider or server that is temporarily unavailable, and a server
 * that still refuses after the user authorized all it asked for ({@link StepUpExhaustedException}), are told to the
 * model.
 *
 * <p>Thread-safe. Tool calls block on the broker and the server.
 */
public final class AuthenticatedMcpToolset implements ToolSource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuthenticatedMcpServer server;
    private final String prefix;
    private final String connectTool;
    private final AtomicReference<Converted> converted = new AtomicReference<>();

    /** The tools as last converted, with the catalog they came from (compared by identity). */
    private record Converted(List<McpSchema.Tool> source, List<ToolDescriptor> specs) {
    }

    private AuthenticatedMcpToolset(AuthenticatedMcpServer server, String prefix) {
        this.server = Objects.requireNonNull(server, "server");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.connectTool = "connect_" + server.id().replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** The server's tools under their own names. */
    public static AuthenticatedMcpToolset of(AuthenticatedMcpServer server) {
        return new AuthenticatedMcpToolset(server, "");
    }

    /** The server's tools, each name prefixed (e.g. {@code notes_}) to keep several servers' tools apart. */
    public static AuthenticatedMcpToolset withPrefix(AuthenticatedMcpServer server, String prefix) {
        return new AuthenticatedMcpToolset(server, prefix);
    }

    /** The wrapped server. */
    public AuthenticatedMcpServer server() {
        return server;
    }

    @Override
    public List<ToolDescriptor> tools(Principal principal) {
        Optional<List<McpSchema.Tool>> catalog = server.cachedTools();
        if (catalog.isEmpty()) {
            return List.of(new ToolDescriptor(connectTool, "Connects the user's " + server.id() + " account, which"
                    + " makes its tools available. Call it when the user asks for something " + server.id()
                    + " can do.", null));
        }
        Converted last = converted.get();
        if (last != null && last.source() == catalog.get()) {
            return last.specs();
        }
        List<ToolDescriptor> specs = new ArrayList<>();
        for (McpSchema.Tool tool : catalog.get()) {
            specs.add(descriptor(tool));
        }
        List<ToolDescriptor> result = List.copyOf(specs);
        converted.set(new Converted(catalog.get(), result));
        return result;
    }

    /** Its {@code connect_} tool (whatever the catalog now), and every name under its prefix the catalog lists. */
    @Override
    public boolean offers(String name, Principal principal) {
        return name.equals(connectTool) || ToolSource.super.offers(name, principal);
    }

    @Override
    public Outcome execute(Principal principal, ToolCall request) {
        if (request.name().equals(connectTool)) {
            McpResult<List<McpSchema.Tool>> listed = server.listTools(principal);
            if (listed instanceof McpResult.ConsentRequired<List<McpSchema.Tool>> c) {
                return new Outcome.ConsentRequired(c.consent());
            }
            List<McpSchema.Tool> tools = ((McpResult.Completed<List<McpSchema.Tool>>) listed).value();
            return new Outcome.Completed("Connected " + server.id() + ". Its tools are now available: "
                    + tools.stream().map(t -> prefix + t.name()).toList() + ".", false);
        }
        if (!request.name().startsWith(prefix)) {
            return new Outcome.Completed("There is no tool named '" + request.name() + "'.", true);
        }
        Map<String, Object> arguments;
        try {
            String raw = request.arguments();
            arguments = raw == null || raw.isBlank() ? Map.of()
                    : JSON.readValue(raw, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            return new Outcome.Completed("The tool arguments are not a valid JSON object.", true);
        }
        McpResult<McpSchema.CallToolResult> result;
        try {
            result = server.callTool(principal, request.name().substring(prefix.length()), arguments);
        } catch (StepUpExhaustedException e) {
            // The user authorized all the server asked for and it still refuses: the model may tell the user.
            return new Outcome.Completed(e.getMessage(), true);
        }
        // Any other agent-auth failure leaves execute(): the agent throws the operator's (a refused client, no
        // redirect URI, ...) out of the AI-service call and tells the model the user's or transient ones.
        if (result instanceof McpResult.ConsentRequired<McpSchema.CallToolResult> c) {
            return new Outcome.ConsentRequired(c.consent());
        }
        McpSchema.CallToolResult done = ((McpResult.Completed<McpSchema.CallToolResult>) result).value();
        return new Outcome.Completed(text(done), Boolean.TRUE.equals(done.isError()));
    }

    private static String text(McpSchema.CallToolResult result) {
        StringBuilder sb = new StringBuilder();
        if (result.content() != null) {
            for (McpSchema.Content c : result.content()) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(c instanceof McpSchema.TextContent t ? t.text() : "[" + c.type() + " content]");
            }
        }
        if (sb.length() == 0 && result.structuredContent() != null) {
            try {
                sb.append(JSON.writeValueAsString(result.structuredContent()));
            } catch (Exception e) {
                sb.append(String.valueOf(result.structuredContent()));
            }
        }
        return sb.toString();
    }

    private ToolDescriptor descriptor(McpSchema.Tool tool) {
        String description = tool.description() != null ? tool.description() : tool.title();
        String schema = null;
        if (tool.inputSchema() != null) {
            try {
                schema = JSON.writeValueAsString(tool.inputSchema());
            } catch (Exception e) {
                schema = null; // an input schema Jackson cannot write: the model sees the tool without parameters
            }
        }
        return new ToolDescriptor(prefix + tool.name(), description, schema);
    }

    @Override
    public String toString() {
        return "AuthenticatedMcpToolset[" + server.id() + (prefix.isEmpty() ? "" : ", prefix=" + prefix) + "]";
    }
}
