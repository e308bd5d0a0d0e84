package dev.agentauth.samples;

import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenBrokerBuilder;
import dev.agentauth.tools.AuthenticatedAgent;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the demo agent talks to, started in-process on 127.0.0.1: the identity provider, the notes API and the
 * calendar MCP server it protects, the token broker, and the agent's tools and model. The web chat and the CLI chat
 * build their agents from it.
 */
public final class DemoEnvironment implements AutoCloseable {

    /** The demo identity provider's id in the broker. */
    public static final String DEMO_PROVIDER = "demo-idp";

    private final EmbeddedIdentityProvider idp;
    private final NotesApi notes;
    private final CalendarMcpServer calendar;
    private final TokenBroker broker;
    private final DemoModel model;
    private final List<Object> tools = new ArrayList<>();

    private DemoEnvironment(URI redirectUri, Map<String, String> env) {
        idp = EmbeddedIdentityProvider.start();
        try {
            notes = NotesApi.start(idp.issuer());
            calendar = CalendarMcpServer.start(idp.issuer());
            TokenBrokerBuilder broker = TokenBroker.builder()
                    .provider(Provider.oauth2(DEMO_PROVIDER)
                            .displayName("Demo identity provider")
                            .issuer(idp.issuer())
                            .clientId("demo-agent")
                            .clientSecret("demo-agent-secret")
                            .defaultScopes("openid")
                            .build());
            boolean github = env.get("GITHUB_CLIENT_ID") != null;
            if (github) {                                              // a real provider, when you configure one
                broker.provider(ProviderPresets.github()
                        .clientId(env.get("GITHUB_CLIENT_ID"))
                        .clientSecret(env.get("GITHUB_CLIENT_SECRET"))
                        .build());
            }
            if (redirectUri != null) {
                broker.redirectUri(redirectUri);                       // a web app completes callbacks itself
            } else {
                broker.loopbackCallback();                             // a terminal: callback on 127.0.0.1
            }
            this.broker = broker.build();
            this.model = DemoModel.fromEnvironment(env);

            // Every tool of the agent, in one place.
            tools.add(new NotesTools(notes.uri("/")));
            if (github) {
                tools.add(new GitHubTools());
            }
            // TODO(agent-auth-mcp): plug in the MCP servers once the MCP branch offers its LangChain4j toolset
            // (AuthenticatedMcpToolset) and AuthenticatedAgent accepts it, e.g.:
            //   tools.add(AuthenticatedMcpToolset.of(AuthenticatedMcpServer.streamableHttp("calendar",
            //           calendar.endpoint()).broker(this.broker).provider(DEMO_PROVIDER, "calendar.read").build()));
            //   tools.add(AuthenticatedMcpToolset.of(AuthenticatedMcpServer.stdio("files", "java", "-cp",
            //           samplesClassPath, FilesMcpServer.class.getName(), idp.issuer())   // under exec:java,
            //           // java.class.path is Maven's: write the runtime class path at build time (dependency plugin)
            //           .tokenVariables(FilesMcpServer.TOKEN_VARIABLE).broker(this.broker)
            //           .provider(DEMO_PROVIDER, "files.read").build()));
            // The servers already run and verify tokens (DemoMcpServersTest); the demo model calls "events" for
            // calendar questions. Disconnect in WebChat should then also close the user's MCP sessions.
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts the demo's servers. {@code redirectUri} is the web app's OAuth callback, or {@code null} for the broker's
     * loopback callback; {@code env} configures an optional real model and GitHub (see README).
     */
    public static DemoEnvironment start(URI redirectUri, Map<String, String> env) {
        return new DemoEnvironment(redirectUri, env);
    }

    /** An agent builder with the broker, the model and every tool; the caller picks the consent mode. */
    public AuthenticatedAgent.Builder agent() {
        return AuthenticatedAgent.builder().broker(broker).chatModel(model.model()).tools(tools.toArray());
    }

    public TokenBroker broker() {
        return broker;
    }

    /** What the UI calls the model. */
    public String modelLabel() {
        return model.label();
    }

    public String issuer() {
        return idp.issuer();
    }

    public URI notesApi() {
        return notes.uri("/");
    }

    /** The protected MCP server over Streamable HTTP. */
    public URI calendarMcp() {
        return calendar.endpoint();
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
        if (calendar != null) {
            calendar.close();
        }
        if (notes != null) {
            notes.close();
        }
        idp.close();
    }
}
