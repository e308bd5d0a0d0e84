package dev.agentauth.core.internal;

import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.PendingConsent;
import java.util.List;

/**
 * The combiner: picks the {@link ConsentChannel} a consent goes through — the first, in order, that serves the request
 * at its provider. Today: the backchannel (CIBA) for an approval of one action, the device code for a provider with
 * {@code deviceAuthorization(true)}, else the browser
 * redirect (which needs a redirect URI or the loopback callback, and says so when the broker has neither). The only
 * place that maps a provider's settings to a way of consenting. Also names the polled channel of a consent found due
 * in the store. Immutable and thread-safe; never blocks.
 */
final class ConsentChannels {

    private final List<ConsentChannel> channels;
    private final List<ConsentChannel.Polled> polled;

    /** {@code channels} in the order they are asked; the last must serve every request (the default). */
    ConsentChannels(List<ConsentChannel> channels) {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("at least one consent channel");
        }
        this.channels = List.copyOf(channels);
        this.polled = channels.stream().filter(ConsentChannel.Polled.class::isInstance)
                .map(ConsentChannel.Polled.class::cast).toList();
    }

    /** The channel {@code request}'s user consents through at {@code provider}. */
    ConsentChannel of(TokenRequest request, Provider provider) {
        for (ConsentChannel channel : channels) {
            if (channel.serves(request, provider)) {
                return channel;
            }
        }
        return channels.get(channels.size() - 1);
    }

    /** Whether consents of {@code provider} may be polled: then the broker's poller must run. */
    boolean polls(Provider provider) {
        for (ConsentChannel.Polled channel : polled) {
            if (channel.polls(provider)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The polled channel of {@code consent}, stored with a poll interval for {@code provider}: the one that polls the
     * provider's consents and started this one. A provider reconfigured since the consent started polls none: the
     * first polled channel that owns the consent (for a device code, the device code channel, as before channels were
     * told apart) keeps polling it.
     */
    ConsentChannel.Polled polledOf(PendingConsent consent, Provider provider) {
        for (ConsentChannel.Polled channel : polled) {
            if (channel.polls(provider) && channel.owns(consent)) {
                return channel;
            }
        }
        for (ConsentChannel.Polled channel : polled) {
            if (channel.owns(consent)) {
                return channel;
            }
        }
        throw new IllegalStateException("consent " + consent.id() + " is polled, but no channel polls it");
    }
}
