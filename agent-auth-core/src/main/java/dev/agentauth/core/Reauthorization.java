package dev.agentauth.core;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What to do when an API refuses a token: the one policy of the tools and the MCP HTTP path, as OkHttp's
 * {@code Authenticator} does it — retry a bounded number of times, and when a credential was already refused, stop
 * rather than loop.
 *
 * <ul>
 *   <li><b>401</b> (RFC 6750 §3.1 {@code invalid_token}): report the token rejected, which refreshes it once (shared
 *       with concurrent callers) or hands over a newer one, and retry; up to {@link #maxRefreshes()} times in one
 *       attempt. Refused again: a new consent for user tokens; give up for the agent's own tokens, which no user can
 *       fix.</li>
 *   <li><b>403</b> {@code insufficient_scope}: step-up for the union of the scopes granted, asked for and now required
 *       (MCP 2025-11-25 "Step-Up Authorization"); incremental consent when the grant lacks them, a forced consent when it
 *       claims them. Only for user tokens.</li>
 *   <li>Every consent an operation causes counts toward {@link #maxAuthorizations()}, across attempts (the user
 *       consents, the call is retried later); the count is reset by a success. Past the limit the answer is
 *       {@link Outcome.GiveUp} with {@code exhausted == true}: the user cannot grant what the API needs.</li>
 * </ul>
 *
 * <p>Immutable configuration; the per-operation counts are the only state. Thread-safe. {@link Attempt} methods block
 * on the broker (store and token endpoint).
 *
 * @since 0.2.0
 */
public final class Reauthorization {

    private final int maxRefreshes;
    private final int maxAuthorizations;
    private final ConcurrentHashMap<String, Integer> authorizations = new ConcurrentHashMap<>();

    private Reauthorization(int maxRefreshes, int maxAuthorizations) {
        this.maxRefreshes = maxRefreshes;
        this.maxAuthorizations = maxAuthorizations;
    }

    /** One refresh per attempt, three consents per operation. */
    public static Reauthorization defaults() {
        return new Reauthorization(1, 3);
    }

    /**
     * A policy with other limits; a new instance also has counts of its own.
     *
     * @param maxRefreshes      refreshes after a 401 within one attempt, at least 0
     * @param maxAuthorizations consents one operation may cause before the policy gives up, at least 1
     */
    public static Reauthorization of(int maxRefreshes, int maxAuthorizations) {
        if (maxRefreshes < 0) {
            throw new IllegalArgumentException("maxRefreshes must be 0 or more, was " + maxRefreshes);
        }
        if (maxAuthorizations < 1) {
            throw new IllegalArgumentException("maxAuthorizations must be 1 or more, was " + maxAuthorizations);
        }
        return new Reauthorization(maxRefreshes, maxAuthorizations);
    }

    public int maxRefreshes() {
        return maxRefreshes;
    }

    public int maxAuthorizations() {
        return maxAuthorizations;
    }

    /**
     * How many times a caller may run one attempt's call at most: the first try, one per allowed refresh and
     * authorization, and one after a consent it waited for. A caller's loop bound, so no loop outlives the policy.
     */
    public int maxCalls() {
        return maxRefreshes + maxAuthorizations + 2;
    }

    /**
     * Starts an attempt at one operation.
     *
     * @param operation identifies the operation and its principal (e.g. {@code "alice|tools/call search"}), so that
     *                  consents are counted per operation across attempts
     */
    public Attempt begin(TokenBroker broker, TokenRequest request, String operation) {
        return new Attempt(Objects.requireNonNull(broker, "broker"), Objects.requireNonNull(request, "request"),
                Objects.requireNonNull(operation, "operation"));
    }

    /** What to do next. */
    public sealed interface Outcome {
        /** Call again with this result's token, or show its consent. */
        record Retry(TokenResult result) implements Outcome {
        }

        /**
         * Stop: {@code reason} is safe to show (no credential); {@code exhausted} when the step-up limit was reached.
         */
        record GiveUp(String reason, boolean exhausted) implements Outcome {
        }
    }

    /** One attempt at an operation. Not thread-safe: one caller drives it. */
    public final class Attempt {
        private final TokenBroker broker;
        private final String operation;
        private TokenRequest request;
        private int refreshes;

        private Attempt(TokenBroker broker, TokenRequest request, String operation) {
            this.broker = broker;
            this.request = request;
            this.operation = operation;
        }

        /** The request as it stands: step-ups widen its scopes. */
        public TokenRequest request() {
            return request;
        }

        /** The first token (or consent) for the attempt. */
        public TokenResult token() {
            return counted(broker.token(request));
        }

        /** The API answered 401 to {@code token}; {@code challengeScopes} are scopes its challenge named, if any. */
        public Outcome rejected(AccessToken token, Scopes challengeScopes) {
            widen(challengeScopes);
            if (refreshes < maxRefreshes && token != null) {
                refreshes++;
                return retry(broker.reportRejected(request, token));
            }
            if (!request.flow().asksUser()) {
                return new Outcome.GiveUp("the " + request.provider() + " API rejected the agent's credential again"
                        + " after " + refreshes + " refresh(es); no user can fix a " + request.flow()
                        + " credential: check the client's registration and the API's configuration", false);
            }
            return authorize(request.withForceConsent(true), "the " + request.provider()
                    + " API kept rejecting the user's token");
        }

        /** The API answered 403 {@code insufficient_scope} to {@code token}, needing {@code required}. */
        public Outcome insufficientScope(AccessToken token, Scopes required) {
            if (!request.flow().asksUser()) {
                return new Outcome.GiveUp("the " + request.provider() + " API needs scopes [" + required
                        + "] that the " + request.flow() + " credential does not carry; grant them to the client at"
                        + " the provider", false);
            }
            widen(required);
            if (token != null) {
                widen(token.scopes());
            }
            TokenResult result = broker.token(request);
            // The grant already claims the scopes the API wants: ask the user again rather than loop.
            return authorize(result instanceof TokenResult.Granted ? request.withForceConsent(true) : null,
                    "the " + request.provider() + " API still refuses: it needs scopes [" + required + "]", result);
        }

        /** The operation succeeded: its consent count starts over. */
        public void succeeded() {
            authorizations.remove(operation);
        }

        private Outcome authorize(TokenRequest forced, String why) {
            return authorize(forced, why, null);
        }

        private Outcome authorize(TokenRequest forced, String why, TokenResult already) {
            int done = authorizations.getOrDefault(operation, 0);
            if (done >= maxAuthorizations) {
                authorizations.remove(operation);
                return new Outcome.GiveUp(why + " after " + done + " authorization(s); the user cannot grant what"
                        + " it needs", true);
            }
            return retry(forced != null ? broker.token(forced) : already);
        }

        private Outcome retry(TokenResult result) {
            return new Outcome.Retry(counted(result));
        }

        private TokenResult counted(TokenResult result) {
            if (result instanceof TokenResult.ConsentRequired) {
                authorizations.merge(operation, 1, Integer::sum);
            }
            return result;
        }

        private void widen(Scopes scopes) {
            if (scopes != null && !request.scopes().containsAll(scopes)) {
                request = request.withScopes(request.scopes().union(scopes));
            }
        }
    }

    @Override
    public String toString() {
        return "Reauthorization[maxRefreshes=" + maxRefreshes + ", maxAuthorizations=" + maxAuthorizations + "]";
    }
}
