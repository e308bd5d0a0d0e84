package dev.agentauth.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.core.Principal;
import dev.agentauth.tools.ToolSource;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An {@link AuthenticatedMcpServer}'s tools for an {@link dev.agentauth.tools.AuthenticatedAgent}: they behave like
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
    private record Converted(List<McpSchema.Tool> source, List<ToolSpecification> specs) {
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
    public List<ToolSpecification> toolSpecifications(Principal principal) {
        Optional<List<McpSchema.Tool>> catalog = server.cachedTools();
        if (catalog.isEmpty()) {
            return List.of(ToolSpecification.builder().name(connectTool)
                    .description("Connects the user's " + server.id() + " account, which makes its tools available."
                            + " Call it when the user asks for something " + server.id() + " can do.")
                    .build());
        }
        Converted last = converted.get();
        if (last != null && last.source() == catalog.get()) {
            return last.specs();
        }
        List<ToolSpecification> specs = new ArrayList<>();
        for (McpSchema.Tool tool : catalog.get()) {
            specs.add(specification(tool));
        }
        List<ToolSpecification> result = List.copyOf(specs);
        converted.set(new Converted(catalog.get(), result));
        return result;
    }

    @Override
    public Outcome execute(Principal principal, ToolExecutionRequest request) {
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

    private ToolSpecification specification(McpSchema.Tool tool) {
        ToolSpecification.Builder b = ToolSpecification.builder().name(prefix + tool.name());
        String description = tool.description() != null ? tool.description() : tool.title();
        if (description != null) {
            b.description(description);
        }
        if (tool.inputSchema() != null && tool.inputSchema().get("properties") instanceof Map<?, ?> props
                && !props.isEmpty()) {
            b.parameters((JsonObjectSchema) element(tool.inputSchema()));
        }
        return b.build();
    }

    /** A JSON Schema object (as MCP sends it) as LangChain4j's schema elements; unknown shapes become strings. */
    @SuppressWarnings("unchecked")
    static JsonSchemaElement element(Map<String, Object> schema) {
        String description = schema.get("description") instanceof String d ? d : null;
        Object type = schema.get("type");
        if (type instanceof List<?> types) {
            type = types.stream().map(String::valueOf).filter(t -> !"null".equals(t)).findFirst().orElse("string");
        }
        if (schema.get("enum") instanceof List<?> values) {
            return JsonEnumSchema.builder().description(description)
                    .enumValues(values.stream().map(String::valueOf).toList()).build();
        }
        if ("object".equals(type) || schema.containsKey("properties")) {
            JsonObjectSchema.Builder o = JsonObjectSchema.builder().description(description);
            if (schema.get("properties") instanceof Map<?, ?> props) {
                props.forEach((name, value) -> {
                    if (value instanceof Map<?, ?> child) {
                        o.addProperty(String.valueOf(name), element((Map<String, Object>) child));
                    }
                });
            }
            if (schema.get("required") instanceof List<?> required) {
                o.required(required.stream().map(String::valueOf).toList());
            }
            return o.build();
        }
        if ("array".equals(type)) {
            JsonSchemaElement items = schema.get("items") instanceof Map<?, ?> i
                    ? element((Map<String, Object>) i) : JsonStringSchema.builder().build();
            return JsonArraySchema.builder().description(description).items(items).build();
        }
        if ("integer".equals(type)) {
            return JsonIntegerSchema.builder().description(description).build();
        }
        if ("number".equals(type)) {
            return JsonNumberSchema.builder().description(description).build();
        }
        if ("boolean".equals(type)) {
            return JsonBooleanSchema.builder().description(description).build();
        }
        return JsonStringSchema.builder().description(description).build();
    }

    @Override
    public String toString() {
        return "AuthenticatedMcpToolset[" + server.id() + (prefix.isEmpty() ? "" : ", prefix=" + prefix) + "]";
    }
}
