package dev.agentauth.agent.internal;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.ToolBinding;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a consent card shows, the same for every framework: one card per consent — the provider's display name, the
 * scopes in words (those the user granted before marked), the account they connected (a step-up adds scopes to the same
 * account), a device authorization's user code — and which tool calls wait, with their descriptions. Thread-safe;
 * reads the user's grants (a store failure leaves the details out).
 */
final class ConsentCards {

    private static final Logger log = LoggerFactory.getLogger(ConsentCards.class);
    /** Protocol scopes a person has nothing to decide about: never shown on a card. */
    private static final Set<String> PLUMBING = Set.of("openid", "offline_access");

    private final TokenBroker broker;
    private final Clock clock;
    private final Function<String, ToolBinding> bindings;

    ConsentCards(TokenBroker broker, Clock clock, Function<String, ToolBinding> bindings) {
        this.broker = broker;
        this.clock = clock;
        this.bindings = bindings;
    }

    /** The interrupt as the UI sees it now. */
    ConsentInterrupt snapshot(InterruptRegistry.Interrupted s) {
        Map<String, ConsentInterrupt.Consent> consents = new LinkedHashMap<>();
        for (ConsentRequirement c : s.consentByCall.values()) {
            if (!consents.containsKey(c.id().value())) {
                consents.put(c.id().value(), card(c, s.principal));
            }
        }
        List<ConsentInterrupt.WaitingToolCall> waiting = new ArrayList<>();
        for (ToolCall call : s.batch) {
            if (!s.journal.completed.containsKey(call.id())) {
                ConsentRequirement c = s.consentByCall.get(call.id());
                ToolBinding b = bindings.apply(call.name());
                waiting.add(new ConsentInterrupt.WaitingToolCall(call.id(), call.name(),
                        c == null ? null : c.provider().value(), b != null ? b.description() : null));
            }
        }
        Instant expires = s.consentByCall.values().stream().map(ConsentRequirement::expiresAt)
                .min(Comparator.naturalOrder()).orElse(clock.instant());
        return new ConsentInterrupt(s.id, s.principal.user(), s.principal.agent(), List.copyOf(consents.values()),
                waiting, expires);
    }

    private ConsentInterrupt.Consent card(ConsentRequirement c, Principal principal) {
        Provider provider = null;
        Scopes granted = Scopes.NONE;
        String account = null;
        try {
            provider = broker.provider(c.provider());
            for (GrantInfo g : broker.grants(principal.user())) {
                if (g.provider().equals(c.provider()) && g.flow().asksUser()) {
                    granted = granted.union(g.scopes());
                    if (g.account() != null) {
                        account = g.account().email() != null ? g.account().email() : g.account().username();
                    }
                }
            }
        } catch (RuntimeException e) {
            log.debug("consent card of {}: grants unavailable ({})", c.id(), e.getClass().getSimpleName());
        }
        List<ConsentInterrupt.ScopeDetail> details = new ArrayList<>();
        for (String scope : c.scopes().values()) {
            if (PLUMBING.contains(scope)) {
                continue;
            }
            String description = provider != null ? provider.scopeDescription(scope).orElse(null) : null;
            details.add(new ConsentInterrupt.ScopeDetail(scope, description, granted.containsAll(Scopes.of(scope))));
        }
        ConsentPrompt.DeviceCode device = c.prompt() instanceof ConsentPrompt.DeviceCode d ? d : null;
        ConsentInterrupt.Action action = c.prompt() instanceof ConsentPrompt.Backchannel b
                ? new ConsentInterrupt.Action(b.bindingMessage(), b.approval().summary(), b.approval().detailsJson())
                : null;
        return new ConsentInterrupt.Consent(c.id().value(), c.provider().value(), c.providerDisplayName(),
                List.copyOf(c.scopes().values()), c.authorizationUri().toString(), c.expiresAt(), details, account,
                device == null ? null : device.userCode(), device == null ? null : device.verificationUri().toString(),
                device == null || device.verificationUriComplete() == null ? null
                        : device.verificationUriComplete().toString(), action);
    }
}
