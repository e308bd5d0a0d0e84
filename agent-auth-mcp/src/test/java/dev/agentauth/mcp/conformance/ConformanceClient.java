package dev.agentauth.mcp.conformance;

import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.agentauth.core.AssertionSource;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.mcp.McpResult;
import dev.agentauth.mcp.auth.ClientRegistration;
import dev.agentauth.mcp.auth.McpAuthorization;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.minidev.json.JSONObject;

/**
 * The client program the official MCP conformance suite ({@code @modelcontextprotocol/conformance}) drives: it gets
 * the server URL as its last argument and the scenario in {@code MCP_CONFORMANCE_SCENARIO} (with extra data in
 * {@code MCP_CONFORMANCE_CONTEXT}), and uses this project's own stack — {@link McpAuthorization},
 * {@link AuthenticatedMcpServer} over Streamable HTTP, the {@link TokenBroker} with its loopback callback — to list
 * the server's tools and call one. The "user" is a scripted browser: it opens the authorization URL and follows the
 * authorization server's redirect to the broker's callback, as a person clicking "allow" would.
 *
 * <p>Run by {@code scripts/mcp-conformance.sh}. Exit code 0 when the tool call succeeded.
 */
public final class ConformanceClient {

    private static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        URI server = URI.create(args[args.length - 1]);
        String scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
        String contextJson = System.getenv("MCP_CONFORMANCE_CONTEXT");
        JSONObject context = contextJson == null ? new JSONObject() : JSONObjectUtils.parse(contextJson);
        System.err.println("conformance client: scenario " + scenario + ", server " + server);

        try (TokenBroker broker = TokenBroker.builder().loopbackCallback().eagerDiscovery(false).build()) {
            McpAuthorization.Builder auth = McpAuthorization.builder(broker).clientName("agent-auth conformance")
                    .clientIdMetadataDocument(URI.create("https://conformance-test.local/client-metadata.json"));
            Flow flow = Flow.USER_CONSENT;
            Principal principal = Principal.user("conformance-user");
            if (context.get("client_id") instanceof String id) {
                Object secret = context.get("client_secret");
                Object pem = context.get("private_key_pem");
                auth.preRegisteredClient(pem instanceof String p
                        ? ClientRegistration.preRegistered(id, dev.agentauth.core.SigningKey.fromPem(p, null))
                        : secret instanceof String s ? ClientRegistration.preRegistered(id, Secret.of(s))
                        : ClientRegistration.preRegistered(id));
            }
            if (scenario.startsWith("auth/client-credentials")) {
                flow = Flow.CLIENT_CREDENTIALS;
                principal = Principal.agent("conformance-agent");
            }
            if (scenario.equals("auth/wif-jwt-bearer") && context.get("valid_jwt") instanceof String jwt) {
                // The platform's token of this workload (in production: AssertionSource.file of a projected token).
                auth.workloadIdentity(AssertionSource.of(p -> jwt));
                flow = Flow.WORKLOAD_IDENTITY;
                principal = Principal.agent("conformance-workload");
            }
            if (scenario.equals("auth/enterprise-managed-authorization")
                    && context.get("idp_id_token") instanceof String idToken) {
                // The enterprise IdP the user signed in with, and the ID token of that sign-in.
                broker.registerProvider(Provider.oauth2("enterprise-idp")
                        .tokenEndpoint((String) context.get("idp_token_endpoint"))
                        .clientId((String) context.get("idp_client_id")).build());
                auth.identityAssertion("enterprise-idp", AssertionSource.of(p -> idToken));
                flow = Flow.IDENTITY_ASSERTION;
            }
            try (AuthenticatedMcpServer mcp = AuthenticatedMcpServer.streamableHttp("conformance", server)
                    .broker(broker).authorization(auth.build()).flow(flow).requestTimeout(Duration.ofSeconds(20))
                    // A user who confirms what the server proposes (its defaults), as an unattended agent would.
                    .elicitation(dev.agentauth.mcp.McpElicitation.acceptDefaults())
                    .build()) {
                Principal p = principal;
                List<McpSchema.Tool> tools = withConsent(broker, () -> mcp.listTools(p));
                System.err.println("tools: " + tools.stream().map(McpSchema.Tool::name).toList());
                for (Map.Entry<String, Map<String, Object>> call : calls(context, tools).entrySet()) {
                    McpSchema.CallToolResult result = withConsent(broker,
                            () -> mcp.callTool(p, call.getKey(), call.getValue()));
                    System.err.println("tool " + call.getKey() + ": error=" + result.isError() + " "
                            + result.content());
                }
            }
        }
        System.exit(0);
    }

    /**
     * The tool calls a model would make: those the scenario names ({@code toolCalls} in its context), else one call of
     * each listed tool with arguments that fit its input schema (a model fills them in the same way); the schema echo
     * tool gets the other tool's input schema as it reached this client.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> calls(JSONObject context, List<McpSchema.Tool> tools) {
        Map<String, Map<String, Object>> calls = new java.util.LinkedHashMap<>();
        if (context.get("toolCalls") instanceof List<?> named) {
            for (Object o : named) {
                Map<String, Object> call = (Map<String, Object>) o;
                Map<String, Object> args = new java.util.LinkedHashMap<>();
                if (call.get("arguments") instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> args.put((String) k, v));
                }
                calls.put((String) call.get("name"), args);
            }
            return calls;
        }
        for (McpSchema.Tool tool : tools) {
            if (tool.name().endsWith("_echo")) {
                tools.stream().filter(t -> !t.name().endsWith("_echo")).findFirst()
                        .ifPresent(focal -> calls.put(tool.name(), Map.of("schema", focal.inputSchema())));
                continue;
            }
            calls.put(tool.name(), sampleArguments(tool.inputSchema()));
        }
        return calls;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> sampleArguments(Map<String, Object> schema) {
        Map<String, Object> args = new java.util.LinkedHashMap<>();
        if (schema == null || !(schema.get("properties") instanceof Map<?, ?> props)) {
            return args;
        }
        int n = 0;
        for (Map.Entry<?, ?> e : props.entrySet()) {
            Map<String, Object> p = e.getValue() instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            Object type = p.get("type");
            n++;
            Object value = p.containsKey("default") ? p.get("default")
                    : "integer".equals(type) || "number".equals(type) ? (Object) (n + 1)
                    : "boolean".equals(type) ? Boolean.TRUE
                    : "object".equals(type) ? sampleArguments(p)
                    : "array".equals(type) ? List.of() : "test";
            args.put((String) e.getKey(), value);
        }
        return args;
    }

    /** Runs {@code op}; on a consent, "the user" authorizes in the scripted browser and {@code op} runs again. */
    static <T> T withConsent(TokenBroker broker, Supplier<McpResult<T>> op) throws Exception {
        for (int i = 0; i < 10; i++) {
            McpResult<T> r = op.get();
            if (r instanceof McpResult.Completed<T> c) {
                return c.value();
            }
            ConsentRequirement consent = ((McpResult.ConsentRequired<T>) r).consent();
            System.err.println("consent " + consent.id() + " for scopes [" + consent.scopes() + "]");
            authorizeInBrowser(consent.authorizationUri());
            broker.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        }
        throw new IllegalStateException("too many consents");
    }

    static void authorizeInBrowser(URI authorizationUri) throws Exception {
        URI at = authorizationUri;
        for (int hops = 0; hops < 5; hops++) {
            HttpResponse<String> page = BROWSER.send(HttpRequest.newBuilder(at).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String location = page.headers().firstValue("Location").orElse(null);
            if (page.statusCode() / 100 != 3 || location == null) {
                return; // landed (the broker's callback page)
            }
            at = at.resolve(location);
        }
    }
}
