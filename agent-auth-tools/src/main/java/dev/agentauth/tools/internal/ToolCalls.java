package dev.agentauth.tools.internal;

import static dev.agentauth.tools.internal.ToolResults.consentFailure;
import static dev.agentauth.tools.internal.ToolResults.describe;
import static dev.agentauth.tools.internal.ToolResults.error;
import static dev.agentauth.tools.internal.ToolResults.redact;
import static dev.agentauth.tools.internal.ToolResults.tellModel;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Reauthorization;
import dev.agentauth.core.TokenResult;
import dev.agentauth.tools.ConsentInterruptException;
import dev.agentauth.tools.InsufficientScopeException;
import dev.agentauth.tools.TokenRejectedException;
import dev.agentauth.tools.ToolCredential;
import dev.agentauth.tools.ToolSource;
import dev.agentauth.tools.internal.ToolResults.ToolFailure;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.LangChain4jManaged;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolExecutor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors LangChain4j runs: for each tool call, find the principal, get the credential, inject it, answer 401 and
 * 403 by the agent's {@link Reauthorization} policy, and act on a missing consent per the consent mode (interrupt,
 * wait, or tell the model). A failure that is the operator's to fix is thrown, one that is the user's or transient is
 * told to the model ({@link ToolFailures}). Every told outcome is journaled for the turn. Thread-safe; executors block on the broker, the
 * tool and, in blocking mode, the user.
 */
final class ToolCalls {

    private static final Logger log = LoggerFactory.getLogger(ToolCalls.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentRuntime.Settings settings;
    private final TurnJournals journals;
    private final InterruptRegistry interrupts;

    ToolCalls(AgentRuntime.Settings settings, TurnJournals journals, InterruptRegistry interrupts) {
        this.settings = settings;
        this.journals = journals;
        this.interrupts = interrupts;
    }

    ToolExecutor executor(ToolBinding binding) {
        return new Journaled() {
            @Override
            ToolExecutionResult run(ToolExecutionRequest request, InvocationContext context) {
                return binding.authenticated() ? runAuthenticated(binding, request, context)
                        : runPlain(binding, request, context);
            }
        };
    }

    /** A tool of a {@link ToolSource}: the source holds the credential; consent is handled here. */
    ToolExecutor sourceExecutor(ToolSource source, String name) {
        return new Journaled() {
            @Override
            ToolExecutionResult run(ToolExecutionRequest request, InvocationContext context) {
                Principal principal = principalOf(context);
                for (int attempt = 0; attempt < 3; attempt++) {
                    ToolSource.Outcome outcome = source.execute(principal, request);
                    if (outcome instanceof ToolSource.Outcome.Completed done) {
                        return ToolExecutionResult.builder().isError(done.isError()).resultText(done.text()).build();
                    }
                    ConsentRequirement consent = ((ToolSource.Outcome.ConsentRequired) outcome).consent();
                    if (onConsentRequired(request, context, principal, consent) == null) {
                        return tellModel(consent);
                    }
                }
                return error("The tool " + name + " could not obtain a usable authorization.");
            }
        };
    }

    /** Journals each tool call's outcome for the turn, so an interrupted turn knows what already ran. */
    private abstract class Journaled implements ToolExecutor {

        abstract ToolExecutionResult run(ToolExecutionRequest request, InvocationContext context);

        @Override
        public String execute(ToolExecutionRequest request, Object memoryId) {
            return executeWithContext(request, InvocationContext.builder().chatMemoryId(memoryId).build())
                    .resultText();
        }

        @Override
        public ToolExecutionResult executeWithContext(ToolExecutionRequest request, InvocationContext context) {
            TurnJournals.Journal journal = journals.of(context);
            journal.entered();
            try {
                ToolExecutionResult result = run(request, context);
                journal.completed.put(request.id(), result);
                return result;
            } catch (ConsentInterruptException e) {
                throw e;
            } catch (RuntimeException e) {
                AgentAuthException operators = ToolFailures.operators(e);
                if (operators != null) {
                    // The operator's to fix, not the model's: out of the AI-service call (see the error handler).
                    ToolFailures.warn(request.name(), operators);
                    throw operators;
                }
                ToolExecutionResult failed = error(told(e));
                journal.completed.put(request.id(), failed);
                return failed;
            } finally {
                journal.left();
            }
        }
    }

    /** What the model hears of a failure that is not the operator's (see {@link ToolFailures}). */
    private String told(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AgentAuthException failure) {
                String text = ToolFailures.toModel(failure, displayName(failure));
                return text != null ? text : describe(e, null);
            }
        }
        return describe(e, null);
    }

    private String displayName(AgentAuthException failure) {
        try {
            return failure.provider() == null ? null : settings.broker().provider(failure.provider()).displayName();
        } catch (RuntimeException unknown) {
            return null;
        }
    }

    private ToolExecutionResult runPlain(ToolBinding binding, ToolExecutionRequest request,
                                         InvocationContext context) {
        try {
            return binding.invoker().executeWithContext(request, context);
        } catch (RuntimeException e) {
            if (ToolFailures.operators(e) != null) {
                throw e;
            }
            return error(describe(e, null));
        }
    }

    private ToolExecutionResult runAuthenticated(ToolBinding binding, ToolExecutionRequest request,
                                                 InvocationContext context) {
        Principal principal = principalOf(context);
        Reauthorization.Attempt attempt = settings.reauthorization().begin(settings.broker(),
                binding.tokenRequest(principal), principal + "|tool " + binding.name());
        TokenResult result = attempt.token();
        for (int round = 0; round < settings.reauthorization().maxCalls(); round++) {
            if (result instanceof TokenResult.ConsentRequired required) {
                AccessToken waited = onConsentRequired(request, context, principal, required.consent());
                if (waited == null) {
                    return tellModel(required.consent());
                }
                result = new TokenResult.Granted(waited);
            }
            AccessToken token = ((TokenResult.Granted) result).token();
            settings.broker().recordUse(token, principal, "tool " + binding.name());
            Reauthorization.Outcome next;
            try {
                ToolExecutionResult done = invoke(binding, request, context, token);
                attempt.succeeded();
                return done;
            } catch (TokenRejectedException e) {
                log.debug("tool {}: API rejected the token of {}", binding.name(), principal);
                next = attempt.rejected(token, null);
            } catch (InsufficientScopeException e) {
                next = attempt.insufficientScope(token, e.requiredScopes());
            }
            if (next instanceof Reauthorization.Outcome.GiveUp g) {
                if (!g.exhausted()) {
                    // The API refuses the agent's own credential (Flow.asksUser is false): no user can fix that.
                    throw new ConfigurationException(g.reason(), attempt.request().provider(), null);
                }
                return error("The tool could not run: " + g.reason() + ".");
            }
            result = ((Reauthorization.Outcome.Retry) next).result();
        }
        return error("The tool could not obtain a usable credential for " + attempt.request().provider() + ".");
    }

    /**
     * Acts on a missing consent per mode: throws the interrupt (INTERRUPT), waits for the user and returns the token
     * (BLOCKING), or returns {@code null} so the caller tells the model (TELL_MODEL).
     */
    private AccessToken onConsentRequired(ToolExecutionRequest request, InvocationContext context,
                                         Principal principal, ConsentRequirement consent) {
        switch (settings.mode()) {
            case INTERRUPT -> throw interrupts.raise(context, principal, request, consent);
            case TELL_MODEL -> {
                return null;
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
                    return settings.broker().consentCompletion(consent.id())
                            .get(settings.blockingTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new ToolFailure("The user did not authorize " + consent.providerDisplayName() + " within "
                            + settings.blockingTimeout().toSeconds() + " s, so the tool could not run. Ask the user to"
                            + " authorize and try again.");
                } catch (ExecutionException e) {
                    ConsentFailedException.Reason reason = e.getCause() instanceof ConsentFailedException f
                            ? f.reason() : ConsentFailedException.Reason.REJECTED;
                    throw new ToolFailure(consentFailure(consent.providerDisplayName(), reason));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ToolFailure("The tool was interrupted while waiting for the user's authorization.");
                }
            }
            default -> throw new IllegalStateException(settings.mode().name());
        }
    }

    private ToolExecutionResult invoke(ToolBinding binding, ToolExecutionRequest request, InvocationContext context,
                                       AccessToken token) {
        ToolExecutionRequest withToken = request;
        if (binding.tokenParameter() != null) {
            withToken = request.toBuilder().arguments(injectArgument(request.arguments(), binding.tokenParameter(),
                    token.value())).build();
        }
        Map<Class<? extends LangChain4jManaged>, LangChain4jManaged> managed = new HashMap<>();
        if (context.managedParameters() != null) {
            managed.putAll(context.managedParameters());
        }
        managed.put(ToolCredential.class, new ToolCredential(token));
        InvocationContext withCredential = context.toBuilder().managedParameters(managed).build();
        ToolExecutionResult result;
        try {
            result = binding.invoker().executeWithContext(withToken, withCredential);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TokenRejectedException rejected) {
                throw rejected;
            }
            if (cause instanceof InsufficientScopeException insufficient) {
                throw insufficient;
            }
            AgentAuthException operators = ToolFailures.operators(e);
            if (operators != null) {
                throw operators; // e.g. a tool's own broker call with a refused client: thrown, never told
            }
            throw new ToolFailure(describe(e, token.value()));
        }
        return redact(result, token.value());
    }

    // The model may try to pass a value for the credential parameter: it is always overwritten.
    private static String injectArgument(String arguments, String name, String value) {
        Map<String, Object> map;
        try {
            map = arguments == null || arguments.isBlank() ? new LinkedHashMap<>()
                    : JSON.readValue(arguments, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            throw new ToolFailure("The tool arguments are not a valid JSON object.");
        }
        map.put(name, value);
        try {
            return JSON.writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialize tool arguments", e);
        }
    }

    /** The call's principal; a resolver that finds nobody is a {@link dev.agentauth.tools.MissingPrincipalException}. */
    private Principal principalOf(InvocationContext context) {
        Principal p = settings.principals().resolve(context);
        if (p == null) {
            throw new dev.agentauth.tools.MissingPrincipalException("no user for this tool call: the PrincipalResolver"
                    + " found none; pass the signed-in user with the AI-service call");
        }
        return p;
    }
}
