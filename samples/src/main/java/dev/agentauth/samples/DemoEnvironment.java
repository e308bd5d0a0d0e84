package dev.agentauth.samples;

import dev.agentauth.agent.ToolSource;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderPresets;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenBrokerBuilder;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.mcp.AuthenticatedMcpToolset;
import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the demo agent talks to, started in-process on 127.0.0.1: the identity provider, the notes API, the
 * calendar MCP server (HTTP) and the files MCP server (stdio, one process per user) it protects, the token broker,
 * and the agent's tools and model. The web chat and the CLI chat
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
    private final List<AuthenticatedMcpServer> mcpServers = new ArrayList<>();

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
                            .scopeDescription("notes.read", "Read your notes")
                            .scopeDescription("notes.write", "Add notes for you")
                            .scopeDescription("calendar.read", "Read your calendar")
                            .scopeDescription("files.read", "Read your files")
                            .build());
            boolean github = env.get("GITHUB_CLIENT_ID") != null;
            if (github) {                                              // a real provider, when you configure one
                broker.provider(ProviderPresets.github()
                        .clientId(env.get("GITHUB_CLIENT_ID"))
                        .clientSecret(env.get("GITHUB_CLIENT_SECRET"))
                        .build());
            }
            boolean bank = env.get("BANK_ISSUER") != null;
            if (bank) {                                                // approvals on the user's device (CIBA)
                broker.provider(Provider.oauth2(PaymentTools.PROVIDER).displayName("Bank")
                        .issuer(env.get("BANK_ISSUER"))
                        .clientId(env.get("BANK_CLIENT_ID"))
                        .clientSecret(env.get("BANK_CLIENT_SECRET"))
                        .defaultScopes("openid")
                        .backchannelAuthentication(true)
                        .build());
                // CIBA names the user to the provider: the demo's user name is their user name there.
                broker.expectedAccount((principal, provider) -> provider.value().equals(PaymentTools.PROVIDER)
                        ? Optional.ofNullable(principal.user()) : Optional.empty());
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
            if (bank) {
                tools.add(new PaymentTools());
            }
            // MCP servers: the same consent cards and resume as the annotated tools.
            mcpServers.add(AuthenticatedMcpServer.streamableHttp("calendar", calendar.endpoint())
                    .broker(this.broker).provider(DEMO_PROVIDER, "calendar.read").build());
            mcpServers.add(AuthenticatedMcpServer.stdio("files", javaCommand(), "-cp", classPath(),
                            FilesMcpServer.class.getName(), idp.issuer())
                    .broker(this.broker).provider(DEMO_PROVIDER, "files.read")
                    .tokenVariables(FilesMcpServer.TOKEN_VARIABLE)      // the token goes here, never on the command line
                    .build());
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
        return AuthenticatedAgent.builder().broker(broker).chatModel(model.model())
                .streamingChatModel(model.streaming()).tools(tools.toArray())
                .toolSources(mcpServers.stream().map(AuthenticatedMcpToolset::of).toArray(ToolSource[]::new));
    }

    /** Ends {@code user}'s MCP sessions and server processes, e.g. after they disconnected. */
    public void closeMcpSessions(String user) {
        for (AuthenticatedMcpServer server : mcpServers) {
            server.closeSessions(Principal.user(user));
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    // Under `mvn exec:java` the JVM's class path is Maven's own; the demo's classes come from the context loader.
    private static String classPath() {
        if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: skip
                }
            }
            if (!entries.isEmpty()) {
                return String.join(File.pathSeparator, entries);
            }
        }
        return System.getProperty("java.class.path");
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
        for (AuthenticatedMcpServer server : mcpServers) {
            server.close();
        }
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
