package dev.agentauth.core.internal;

import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.TokenStore;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs a grant's slow path once at a time: first the in-process {@link SingleFlight}, then the store's grant lock, so
 * with a store shared by replicas one replica asks the provider and the others, once they get the lock, find its
 * result in the store. Thread-safe; blocks on the lock and on {@code work}.
 */
final class GrantFlights {

    private static final int MAX_REJOINS = 3;

    private final SingleFlight<GrantKey, TokenResult> flights = new SingleFlight<>();
    private final TokenStore store;

    GrantFlights(TokenStore store) {
        this.store = store;
    }

    /**
     * Runs {@code work} in the grant's flight. A caller that joined another caller's flight checks that the shared
     * answer {@code fits} its own request (it may have asked for more scopes) and otherwise goes again, a few times.
     */
    TokenResult run(GrantKey key, Predicate<TokenResult> fits, Supplier<TokenResult> work) {
        TokenResult result = null;
        for (int i = 0; i < MAX_REJOINS; i++) {
            result = flights.run(key, () -> store.withGrantLock(key, work));
            if (fits.test(result)) {
                return result;
            }
        }
        return result;
    }

    /** Runs {@code work} in the grant's flight once, whatever it returns. */
    TokenResult once(GrantKey key, Supplier<TokenResult> work) {
        return flights.run(key, () -> store.withGrantLock(key, work));
    }
}
