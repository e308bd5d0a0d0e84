package dev.agentauth.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.PendingConsent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The combiner's rules, with channels that only answer its questions (the channels themselves run against real
 * servers in {@code ConsentChannelTest}): the first channel that serves a request is its channel, the last is the
 * default, and a polled consent goes to the polled channel of its provider — or, for a provider that no longer uses
 * one, to the first polled channel.
 */
class ConsentChannelsTest {

    static final Provider DEVICE = provider("tv", true);
    static final Provider WEB = provider("web", false);
    static final Provider HINTED = provider("hinted", false);

    static Provider provider(String id, boolean device) {
        return Provider.oauth2(id).clientId("c").clientSecret("s").tokenEndpoint("https://idp.example/token")
                .authorizationEndpoint("https://idp.example/authorize").deviceAuthorization(device).build();
    }

    /** A channel that serves the providers {@code serves} accepts. */
    record Named(String name, Predicate<Provider> serves) implements ConsentChannel {
        @Override
        public boolean serves(TokenRequest request, Provider provider) {
            return serves.test(provider);
        }

        @Override
        public Started start(Start start) {
            throw new UnsupportedOperationException();
        }
    }

    /** A polled channel that serves and polls the providers {@code serves} accepts. */
    record Polling(String name, Predicate<Provider> serves) implements ConsentChannel.Polled {
        @Override
        public boolean serves(TokenRequest request, Provider provider) {
            return serves.test(provider);
        }

        @Override
        public boolean polls(Provider provider) {
            return serves.test(provider);
        }

        @Override
        public Started start(Start start) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HTTPResponse poll(ProviderClient client, PendingConsent consent) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void ended(PendingConsent consent, String error) {
            throw new UnsupportedOperationException();
        }
    }

    final Polling device = new Polling("device_code", Provider::deviceAuthorization);
    final Polling backchannel = new Polling("backchannel", p -> p == HINTED);
    final Named redirect = new Named("authorization_code", p -> true);

    static TokenRequest request(Provider provider) {
        return TokenRequest.forUser(provider.id().value(), "alice");
    }

    static PendingConsent polled(Provider provider) {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        return new PendingConsent(new ConsentId("c"), "digest", new GrantKey(provider.id(),
                dev.agentauth.core.Flow.USER_CONSENT, "alice", GrantKey.SHARED, ""), Principal.user("alice"),
                Scopes.NONE, "device-code", URI.create("https://idp.example/device"), now, now.plusSeconds(600),
                Duration.ofSeconds(5));
    }

    @Test
    void ofWhenADeviceProviderThenTheDeviceCodeAndForAnyOtherTheRedirect() {
        ConsentChannels channels = new ConsentChannels(List.of(device, redirect));

        assertThat(channels.of(request(DEVICE), DEVICE)).isSameAs(device);
        assertThat(channels.of(request(WEB), WEB)).isSameAs(redirect);
        assertThat(channels.polls(DEVICE)).isTrue();
        assertThat(channels.polls(WEB)).as("no poller for a broker of redirect providers only").isFalse();
    }

    @Test
    void ofWhenAnotherChannelIsAddedBeforeTheRedirectThenItServesItsProvidersAndTheOthersKeepTheirs() {
        ConsentChannels channels = new ConsentChannels(List.of(backchannel, device, redirect));

        assertThat(channels.of(request(HINTED), HINTED)).isSameAs(backchannel);
        assertThat(channels.of(request(DEVICE), DEVICE)).isSameAs(device);
        assertThat(channels.of(request(WEB), WEB)).isSameAs(redirect);
        assertThat(channels.polledOf(polled(HINTED), HINTED)).isSameAs(backchannel);
        assertThat(channels.polledOf(polled(DEVICE), DEVICE)).isSameAs(device);
    }

    @Test
    void polledOfWhenTheProviderNoLongerPollsThenTheFirstPolledChannelKeepsPollingIt() {
        ConsentChannels channels = new ConsentChannels(List.of(device, redirect));

        assertThat(channels.polledOf(polled(WEB), WEB)).isSameAs(device);
    }
}
