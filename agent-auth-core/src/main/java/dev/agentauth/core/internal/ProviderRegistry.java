package dev.agentauth.core.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Telemetry;
import dev.agentauth.core.http.HttpTransport;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's providers, each with its {@link ProviderClient}. Providers may be added at run time (an MCP server's
 * authorization server, discovered on first use); lookups stay lock-free. Thread-safe; only {@link #discoverAll}
 * blocks.
 */
final class ProviderRegistry {

    private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);

    private final ConcurrentHashMap<ProviderId, ProviderClient> clients = new ConcurrentHashMap<>();
    private final HttpTransport http;
    private final Clock clock;
    private final DpopKeys dpop;

    private final Telemetry telemetry;

    ProviderRegistry(List<Provider> providers, HttpTransport http, Clock clock, DpopKeys dpop, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.http = http;
        this.clock = clock;
        this.dpop = dpop;
        for (Provider p : providers) {
            clients.put(p.id(), new ProviderClient(p, http, clock, dpop, telemetry));
        }
    }

    /** The provider's client. @throws ConfigurationException when there is none */
    ProviderClient client(ProviderId id) {
        ProviderClient client = clients.get(id);
        if (client == null) {
            throw new ConfigurationException("unknown provider '" + id + "'; configured: " + clients.keySet(), id,
                    null);
        }
        return client;
    }

    /** The provider's client, or {@code null}. */
    ProviderClient find(ProviderId id) {
        return clients.get(id);
    }

    Collection<Provider> providers() {
        return clients.values().stream().map(ProviderClient::provider).toList();
    }

    Set<ProviderId> ids() {
        return Set.copyOf(clients.keySet());
    }

    /** See {@link dev.agentauth.core.TokenBroker#registerProvider}. */
    Provider register(Provider provider) {
        ProviderClient registered = clients.putIfAbsent(provider.id(), new ProviderClient(provider, http, clock, dpop, telemetry));
        if (registered == null) {
            log.info("provider {} registered at run time", provider.id());
            return provider;
        }
        if (registered.provider().equals(provider)) {
            return registered.provider();
        }
        throw new ConfigurationException("provider '" + provider.id() + "' is already registered with other settings;"
                + " use another id", provider.id(), null);
    }

    /** Fetches the metadata of every OAuth provider now, so a wrong or unreachable issuer fails the build. */
    void discoverAll() {
        for (ProviderClient c : clients.values()) {
            if (c.provider().kind() == Provider.Kind.OAUTH2) {
                c.endpoints();
            }
        }
    }
}
