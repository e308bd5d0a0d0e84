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
        Objects.requireNonNull(operation, "operation");
        return begin(broker, request, () -> operation);
    }

    /**
     * As {@link #begin(TokenBroker, TokenRequest, String)}, the operation's name built only when a consent is counted
     * (a call that just gets its cached token builds none).
     *
     * @param operation gives the operation's name (see above); called at most once, by the caller's thread
     * @since 0.3.0
     */
    public Attempt begin(TokenBroker broker, TokenRequest request, java.util.function.Supplier<String> operation) {
        return new Attempt(Objects.requireNonNull(broker, "broker"), Objects.requireNonNull(request, "request"),
                Objects.requireNonNull(operation, "operation"));
    }

    /**
     * The one loop around an {@link Attempt}, for every caller that spends a token on an API (authenticated tools, MCP
     * servers): gets a token for {@code request}, runs {@code call} with it, and on the API's 401 or 403
     * {@code insufficient_scope} asks this policy what next — a refreshed token, a step-up or new consent (which
     * {@code call} turns into a waited-for token, an interrupt, or a stop), or giving up — until {@code call} succeeds,
     * at most {@link #maxCalls()} times.
     *
     * <p>Only the answers {@code call} reports as {@link Refused} reach the policy. Any other exception of
     * {@link Call#attempt} ends the run as it is: the attempt is neither a success (the operation's consent count is
     * kept) nor a refusal (nothing is refreshed or counted), so a caller may handle such an answer itself and start a
     * new run — e.g. for a resource that moved to another authorization server, whose tokens are another provider's.
     *
     * <p>Thread-safe (one attempt per call); blocks on the broker, on {@code call} and on whatever
     * {@link Call#consent} waits for.
     *
     * @param operation identifies the operation and its principal (see {@link #begin})
     * @since 0.3.0
     */
    public <T> T run(TokenBroker broker, TokenRequest request, String operation, Call<T> call) {
        Objects.requireNonNull(operation, "operation");
        return run(broker, request, () -> operation, call);
    }

    /**
     * As {@link #run(TokenBroker, TokenRequest, String, Call)}, the operation's name built only when a consent is
     * counted (see {@link #begin(TokenBroker, TokenRequest, java.util.function.Supplier)}).
     *
     * @since 0.3.0
     */
    public <T> T run(TokenBroker broker, TokenRequest request, java.util.function.Supplier<String> operation,
                     Call<T> call) {
        Attempt attempt = begin(broker, request, operation);
        TokenResult result = attempt.token();
        for (int round = 0; round < maxCalls(); round++) {
            if (result instanceof TokenResult.ConsentRequired required) {
                java.util.Optional<AccessToken> waited = call.consent(required.consent());
                if (waited.isEmpty()) {
                    return call.unconsented(required.consent());
                }
                result = new TokenResult.Granted(waited.get());
            }
            AccessToken token = ((TokenResult.Granted) result).token();
            TokenRequest before = attempt.request();
            Outcome next;
            try {
                T done = call.attempt(token, before);
                attempt.succeeded();
                return done;
            } catch (Refused refused) {
                next = refused.insufficientScope ? attempt.insufficientScope(token, refused.scopes)
                        : attempt.rejected(token, refused.scopes);
            }
            if (attempt.request() != before) {
                call.widened(attempt.request());
            }
            if (next instanceof Outcome.GiveUp g) {
                return call.gaveUp(g);
            }
            result = ((Outcome.Retry) next).result();
        }
        return call.gaveUp(new Outcome.GiveUp("no usable credential for " + attempt.request().provider()
                + " after " + maxCalls() + " calls", false));
    }

    /**
     * One operation as {@link #run} drives it.
     *
     * @param <T> what the operation returns
     * @since 0.3.0
     */
    public interface Call<T> {

        /**
         * Runs the operation with {@code token} (for {@code request}, whose scopes step-ups widen).
         *
         * @throws Refused the API answered 401 or 403 {@code insufficient_scope}
         */
        T attempt(AccessToken token, TokenRequest request) throws Refused;

        /**
         * The user must consent first: the token to go on with once they did (a caller that waits), or empty to stop
         * with {@link #unconsented}. May throw instead (a consent interrupt).
         */
        java.util.Optional<AccessToken> consent(ConsentRequirement consent);

        /** What the operation answers when the user has not consented and {@link #consent} did not wait. */
        T unconsented(ConsentRequirement consent);

        /** What the operation answers when the policy gives up ({@code why.reason()} is safe to show). */
        T gaveUp(Outcome.GiveUp why);

        /**
         * A refusal widened the attempt's request (a challenge's or a step-up's scopes): {@code request} is what the
         * attempt goes on with. Called before the retry, consent or give-up that follows, so that a caller keeping
         * per-principal state (the scopes its next token request asks for) can remember it even when the operation
         * ends in a consent. Default: nothing.
         *
         * @since 0.3.0
         */
        default void widened(TokenRequest request) {
        }
    }

    /**
     * The API refused the token: a 401 (RFC 6750 {@code invalid_token}) or a 403 {@code insufficient_scope}. Control
     * flow of {@link Call#attempt}, not a failure: no stack trace.
     *
     * @since 0.3.0
     */
    public static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;

        private final boolean insufficientScope;
        private final transient Scopes scopes;

        private Refused(boolean insufficientScope, Scopes scopes) {
            super(insufficientScope ? "insufficient_scope" : "invalid_token", null, false, false);
            this.insufficientScope = insufficientScope;
            this.scopes = scopes;
        }

        /** HTTP 401; {@code challengeScopes} are the scopes its challenge named, or {@code null}. */
        public static Refused unauthorized(Scopes challengeScopes) {
            return new Refused(false, challengeScopes);
        }

        /** HTTP 403 {@code insufficient_scope}, needing {@code required}. */
        public static Refused insufficientScope(Scopes required) {
            return new Refused(true, required == null ? Scopes.NONE : required);
        }

        public boolean isInsufficientScope() {
            return insufficientScope;
        }

        /** The scopes the API named, or {@code null}. */
        public Scopes scopes() {
            return scopes;
        }
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
        private final java.util.function.Supplier<String> operationName;
        private String operation;
        private TokenRequest request;
        private int refreshes;

        private Attempt(TokenBroker broker, TokenRequest request, java.util.function.Supplier<String> operationName) {
            this.broker = broker;
            this.request = request;
            this.operationName = operationName;
        }

        private String operation() {
            if (operation == null) {
                operation = Objects.requireNonNull(operationName.get(), "operation");
            }
            return operation;
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
            if (!authorizations.isEmpty()) {
                authorizations.remove(operation());
            }
        }

        private Outcome authorize(TokenRequest forced, String why) {
            return authorize(forced, why, null);
        }

        private Outcome authorize(TokenRequest forced, String why, TokenResult already) {
            int done = authorizations.getOrDefault(operation(), 0);
            if (done >= maxAuthorizations) {
                authorizations.remove(operation());
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
                authorizations.merge(operation(), 1, Integer::sum);
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
