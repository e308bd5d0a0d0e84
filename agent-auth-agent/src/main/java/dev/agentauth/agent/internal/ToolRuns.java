package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.InsufficientScopeException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.agent.TokenRejectedException;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.ToolCredential;
import dev.agentauth.agent.ToolSource;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.agent.spi.Turn;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tool call, whatever the framework: find the principal, get the credential, inject it, answer the API's 401 and
 * 403 through the one {@link Reauthorization#run} loop, and act on a missing consent per the consent mode (interrupt,
 * wait, or tell the model). A failure that is the operator's to fix is thrown ({@link ToolFailures}); one that is the
 * user's or transient is told to the model. Every told outcome is journaled for the turn. Thread-safe; blocks on the
 * broker, the tool and, in blocking mode, the user.
 */
public final class ToolRuns {

    private static final Logger log = LoggerFactory.getLogger(ToolRuns.class);
    /** Puts the credential into a tool's JSON arguments. */
    private final TokenArguments tokenArguments = new TokenArguments();

    private final AgentSettings settings;
    private final TurnJournals journals;
    private final InterruptRegistry interrupts;
    /**
     * In {@link dev.agentauth.agent.ConsentMode#TELL_MODEL}, the approvals the model was told are pending, by what
     * they approve: the model's retry of the call (same tool, same action) takes the pending approval instead of
     * asking the user's device a second time. In this process only; an entry goes when used, refused or expired.
     */
    private final ConcurrentHashMap<AskedApproval, ConsentRequirement> toldApprovals = new ConcurrentHashMap<>();

    /** An approval as the model's retry names it: the user and agent, the tool, and the action. */
    private record AskedApproval(String user, String agent, String tool, String bindingMessage, String details) {
        static AskedApproval of(Principal principal, ToolBinding binding, TokenRequest request) {
            return new AskedApproval(principal.user(), principal.agent(), binding.name(),
                    request.approval().bindingMessage(), request.approval().detailsJson());
        }
    }

    ToolRuns(AgentSettings settings, TurnJournals journals, InterruptRegistry interrupts) {
        this.settings = settings;
        this.journals = journals;
        this.interrupts = interrupts;
    }

    /**
     * A call of {@code binding}, or else of {@code source}'s tool (the source holds the credential; consent is handled
     * here), journaled for its turn. One method for both, with no function between the framework and the tool: a
     * framework may fill in a stack trace under the tool, at a cost per frame.
     */
    public ToolResult run(ToolBinding binding, ToolSource source, ToolCall call, Turn turn) {
        TurnJournals.Journal journal = journals.of(turn);
        journal.entered();
        try {
            ToolResult result;
            if (binding == null) {
                result = sourced(source, call, turn);
            } else if (!binding.authenticated()) {
                result = plain(binding, call, turn);
            } else if (binding.approvedPerCall()) {
                result = approved(binding, call, turn);
            } else {
                // The reauthorization loop called from here, not from a method of its own: a frame fewer under the tool.
                Principal principal = turn.principal();
                TokenRequest request = binding.tokenRequest(principal);
                result = (ToolResult) settings.reauthorization().run(settings.broker(), request,
                        () -> principal.user() + "/" + principal.agent() + "|tool " + binding.name(),
                        new Attempts(binding, call, turn, principal, request));
            }
            journal.completed.put(call.id(), result);
            return result;
        } catch (ConsentInterruptException e) {
            throw e;
        } catch (RuntimeException e) {
            return failed(journal, call, e);
        } finally {
            journal.left();
        }
    }

    private ToolResult sourced(ToolSource source, ToolCall call, Turn turn) {
        Principal principal = turn.principal();
        for (int attempt = 0; attempt < 3; attempt++) {
            ToolSource.Outcome outcome = source.execute(principal, call);
            if (outcome instanceof ToolSource.Outcome.Completed done) {
                return new ToolResult(done.text(), done.isError());
            }
            ConsentRequirement consent = ((ToolSource.Outcome.ConsentRequired) outcome).consent();
            if (onConsentRequired(call, turn, principal, consent).isEmpty()) {
                return ToolResults.tellModel(consent);
            }
        }
        return ToolResult.error("The tool " + call.name() + " could not obtain a usable authorization.");
    }

    /** A call that failed: the operator's failure thrown out of the framework call; any other told and journaled. */
    private ToolResult failed(TurnJournals.Journal journal, ToolCall call, RuntimeException e) {
        AgentAuthException operators = ToolFailures.operators(e);
        if (operators != null) {
            // The operator's to fix, not the model's: out of the framework call.
            ToolFailures.warn(call.name(), operators);
            throw operators;
        }
        ToolResult failed = ToolResult.error(told(e));
        journal.completed.put(call.id(), failed);
        return failed;
    }

    /** What the model hears of a failure that is not the operator's (see {@link ToolFailures}). */
    private String told(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AgentAuthException failure) {
                String text = ToolFailures.toModel(failure, displayName(failure));
                return text != null ? text : ToolResults.describe(e, null);
            }
        }
        return ToolResults.describe(e, null);
    }

    private String displayName(AgentAuthException failure) {
        try {
            return failure.provider() == null ? null : settings.broker().provider(failure.provider()).displayName();
        } catch (RuntimeException unknown) {
            return null;
        }
    }

    private ToolResult plain(ToolBinding binding, ToolCall call, Turn turn) {
        try {
            return binding.invoker().invoke(call, null, turn);
        } catch (RuntimeException e) {
            if (ToolFailures.operators(e) != null || e instanceof MissingPrincipalException) {
                throw e;
            }
            return ToolResult.error(ToolResults.describe(e, null));
        }
    }

    /**
     * A call its user approves on their device, as exactly that action (CIBA): a new approval per call — or, when a
     * resumed turn runs the call the approval interrupted, the token that approval gave — used for this call only. A
     * refused token is not renewed: the model hears that the API refused the approved action.
     */
    private ToolResult approved(ToolBinding binding, ToolCall call, Turn turn) {
        Principal principal = turn.principal();
        ConsentRequirement resumed = resumedApprovalOf(turn, call);
        AccessToken token;
        if (resumed != null) {
            // The resume found it approved (else the call is answered with the refusal and not run).
            token = settings.broker().consentCompletion(resumed.id()).join();
            forget(resumed);
        } else {
            TokenRequest request;
            try {
                request = binding.tokenRequest(principal, call);
            } catch (IllegalArgumentException e) {
                return ToolResult.error(e.getMessage() + ", so the tool did not run.");
            }
            AskedApproval asked = AskedApproval.of(principal, binding, request);
            ConsentRequirement told = toldApproval(asked);
            CompletableFuture<AccessToken> answer = null;
            if (told != null) {
                // The model retried a call whose approval it was told about: that approval, not a new one.
                answer = settings.broker().consentCompletion(told.id());
                if (!answer.isDone()) {
                    return ToolResults.stillWaiting(told);
                }
                if (!toldApprovals.remove(asked, told)) {
                    told = null; // a concurrent retry took it: one approval runs one call, this one is asked anew
                }
            }
            if (told != null) {
                try {
                    token = answer.join();
                } catch (CompletionException e) {
                    ConsentFailedException.Reason reason = e.getCause() instanceof ConsentFailedException f
                            ? f.reason() : ConsentFailedException.Reason.REJECTED;
                    return ToolResult.error(ToolResults.consentFailure(told, reason));
                }
                forget(told);
            } else {
                TokenResult result = settings.broker().token(request);
                if (result instanceof TokenResult.Granted granted) {
                    token = granted.token(); // not by this broker: every approval is new
                } else {
                    ConsentRequirement consent = ((TokenResult.ConsentRequired) result).consent();
                    Optional<AccessToken> approved = onConsentRequired(call, turn, principal, consent);
                    if (approved.isEmpty()) {
                        toldApprovals.put(asked, consent);
                        return ToolResults.tellModel(consent);
                    }
                    token = approved.get();
                    forget(consent);
                }
            }
        }
        settings.broker().recordUse(token, principal, binding.useName());
        try {
            return invoke(binding, call, token, turn);
        } catch (TokenRejectedException | InsufficientScopeException e) {
            return ToolResult.error("The API refused the authorization the user approved for this action, so the"
                    + " tool could not complete it.");
        }
    }

    /** The unexpired approval the model was told about for {@code asked}, or {@code null}; drops expired ones. */
    private ConsentRequirement toldApproval(AskedApproval asked) {
        if (toldApprovals.isEmpty()) {
            return null;
        }
        Instant now = settings.clock().instant();
        toldApprovals.values().removeIf(c -> !c.expiresAt().isAfter(now));
        return toldApprovals.get(asked);
    }

    /** The approval a resumed call waited for, or {@code null} when it waited for none. */
    private static ConsentRequirement resumedApprovalOf(Turn turn, ToolCall call) {
        if (!(turn instanceof Resumer.ResumedTurn resumed)) {
            return null;
        }
        ConsentRequirement consent = resumed.consentOf(call.id());
        return consent != null && consent.prompt() instanceof ConsentPrompt.Backchannel ? consent : null;
    }

    /**
     * This call has its approval's token: the store keeps it no longer. A store that fails now leaves the row to the
     * sweep of expired approvals; the call goes on.
     */
    private void forget(ConsentRequirement approval) {
        try {
            settings.broker().forgetApproval(approval.id());
        } catch (AgentAuthException e) {
            log.info("approval {}: its token stays in the store until it expires ({})", approval.id(),
                    e.getClass().getSimpleName());
        }
    }

    /**
     * The calls of one authenticated tool call, as {@link Reauthorization#run} makes them. {@code Call<Object>}, not
     * {@code Call<ToolResult>}: its attempt needs no bridge method; and it runs the tool itself rather than through a
     * method of its own. Both would be frames under every tool call, where a framework may fill in a stack trace.
     */
    private final class Attempts implements Reauthorization.Call<Object> {
        private final ToolBinding binding;
        private final ToolCall call;
        private final Turn turn;
        private final Principal principal;
        private final TokenRequest request;

        Attempts(ToolBinding binding, ToolCall call, Turn turn, Principal principal, TokenRequest request) {
            this.binding = binding;
            this.call = call;
            this.turn = turn;
            this.principal = principal;
            this.request = request;
        }

        @Override
        public Object attempt(AccessToken token, TokenRequest current) throws Reauthorization.Refused {
            settings.broker().recordUse(token, principal, binding.useName());
            ToolResult result;
            try {
                result = binding.invoker().invoke(withToken(binding, call, token), new ToolCredential(token), turn);
            } catch (RuntimeException e) {
                RuntimeException failure = failure(e, token);
                if (failure instanceof TokenRejectedException) {
                    log.debug("tool {}: API rejected the token of {}", binding.name(), principal);
                    throw Reauthorization.Refused.unauthorized(null);
                }
                if (failure instanceof InsufficientScopeException insufficient) {
                    throw Reauthorization.Refused.insufficientScope(insufficient.requiredScopes());
                }
                throw failure;
            }
            return ToolResults.redact(result, token.value());
        }

        @Override
        public Optional<AccessToken> consent(ConsentRequirement consent) {
            return onConsentRequired(call, turn, principal, consent);
        }

        @Override
        public ToolResult unconsented(ConsentRequirement consent) {
            return ToolResults.tellModel(consent);
        }

        @Override
        public ToolResult gaveUp(Reauthorization.Outcome.GiveUp why) {
            if (!why.exhausted() && !request.flow().asksUser()) {
                // The API refuses the agent's own credential: no user can fix that.
                throw new ConfigurationException(why.reason(), request.provider(), null);
            }
            return ToolResult.error("The tool could not run: " + why.reason() + ".");
        }
    }

    /**
     * Acts on a missing consent per mode: throws the interrupt (INTERRUPT), waits for the user and returns the token
     * (BLOCKING), or returns empty so the caller tells the model (TELL_MODEL).
     */
    private Optional<AccessToken> onConsentRequired(ToolCall call, Turn turn, Principal principal,
                                                    ConsentRequirement consent) {
        switch (settings.mode()) {
            case INTERRUPT -> throw interrupts.raise(turn, principal, call, consent);
            case TELL_MODEL -> {
                return Optional.empty();
            }
            case BLOCKING -> {
                if (settings.consentListener() != null) {
                    try {
                        settings.consentListener().onConsentRequired(consent);
                    } catch (RuntimeException e) {
                        log.warn("consent listener failed: {}", e.getClass().getName());
                    }
                }
                try {
                    return Optional.of(settings.broker().consentCompletion(consent.id())
                            .get(settings.blockingTimeout().toMillis(), TimeUnit.MILLISECONDS));
                } catch (TimeoutException e) {
                    throw new ToolResults.ToolFailure("The user did not authorize " + consent.providerDisplayName()
                            + " within " + settings.blockingTimeout().toSeconds() + " s, so the tool could not run."
                            + " Ask the user to authorize and try again.");
                } catch (ExecutionException e) {
                    ConsentFailedException.Reason reason = e.getCause() instanceof ConsentFailedException f
                            ? f.reason() : ConsentFailedException.Reason.REJECTED;
                    throw new ToolResults.ToolFailure(ToolResults.consentFailure(consent, reason));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ToolResults.ToolFailure("The tool was interrupted while waiting for the user's"
                            + " authorization.");
                }
            }
            default -> throw new IllegalStateException(settings.mode().name());
        }
    }

    private ToolResult invoke(ToolBinding binding, ToolCall call, AccessToken token, Turn turn) {
        ToolResult result;
        try {
            result = binding.invoker().invoke(withToken(binding, call, token), new ToolCredential(token), turn);
        } catch (RuntimeException e) {
            throw failure(e, token);
        }
        return ToolResults.redact(result, token.value());
    }

    /** {@code call} with the credential in its JSON arguments, when the tool takes it there. */
    private ToolCall withToken(ToolBinding binding, ToolCall call, AccessToken token) {
        return binding.tokenArgument() == null ? call : new ToolCall(call.id(), call.name(),
                tokenArguments.inject(call.arguments(), binding.tokenArgument(), token.value()));
    }

    /**
     * What a tool's failure is thrown as: the API's refusal of the token (a {@link TokenRejectedException} or
     * {@link InsufficientScopeException} anywhere in its causes), the operator's failure, or else a failure the model
     * is told of, described without the token.
     */
    private static RuntimeException failure(RuntimeException e, AccessToken token) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TokenRejectedException rejected) {
                return rejected;
            }
            if (t instanceof InsufficientScopeException insufficient) {
                return insufficient;
            }
        }
        if (ToolFailures.operators(e) != null) {
            return e;
        }
        return new ToolResults.ToolFailure(ToolResults.describe(e, token.value()));
    }
}
