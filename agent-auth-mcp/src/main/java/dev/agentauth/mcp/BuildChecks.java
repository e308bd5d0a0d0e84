package dev.agentauth.mcp;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenBroker;

/** What the server builders check at {@code build()}, so that no tool call finds it out later. Stateless. */
final class BuildChecks {

    private BuildChecks() {
    }

    /**
     * The provider must be known, and a server whose tokens need the user's consent through a browser redirect needs a
     * broker with a redirect URI (its own or a loopback callback), unless the provider uses the device authorization
     * grant instead.
     *
     * @throws ConfigurationException naming the server, the provider and what to configure
     */
    static void consentReachable(String server, TokenBroker broker, ProviderId id, Flow flow) {
        Provider provider = broker.provider(id); // fails fast on an unknown provider
        if (flow.asksUser() && provider.kind() == Provider.Kind.OAUTH2 && !provider.deviceAuthorization()
                && broker.redirectUri().isEmpty()) {
            throw new ConfigurationException("MCP server '" + server + "' needs the user's consent at provider '" + id
                    + "', but the broker has no redirect URI to send the browser back to: configure"
                    + " TokenBroker.builder().redirectUri(...) (your application's OAuth callback) or"
                    + " .loopbackCallback(), or let the provider use the device authorization grant"
                    + " (ProviderBuilder.deviceAuthorization(true))", id, null);
        }
    }
}
