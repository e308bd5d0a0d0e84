package dev.agentauth.mcp.auth;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where dynamic client registrations (RFC 7591) are kept, one per authorization server, so that the client registers
 * once per server rather than once per connection. Implementations must be thread-safe; {@link #save} replaces any
 * registration for the same authorization server atomically. A persistent store survives restarts, so users' grants
 * stay bound to the client id they were issued to.
 */
public interface ClientRegistrationStore {

    /** The registration at the authorization server with this issuer identifier. */
    Optional<ClientRegistration> find(String authorizationServer);

    /** Stores {@code registration} under its {@link ClientRegistration#authorizationServer()}. */
    void save(ClientRegistration registration);

    /** A store in memory: registrations are made again after a restart. */
    static ClientRegistrationStore inMemory() {
        ConcurrentHashMap<String, ClientRegistration> map = new ConcurrentHashMap<>();
        return new ClientRegistrationStore() {
            @Override
            public Optional<ClientRegistration> find(String authorizationServer) {
                return Optional.ofNullable(map.get(authorizationServer));
            }

            @Override
            public void save(ClientRegistration registration) {
                map.put(registration.authorizationServer(), registration);
            }

            @Override
            public String toString() {
                return "ClientRegistrationStore[in-memory, " + map.size() + " registration(s)]";
            }
        };
    }
}
