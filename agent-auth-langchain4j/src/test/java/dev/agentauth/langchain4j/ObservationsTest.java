package dev.agentauth.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The broker's and the agent's observations through a real Micrometer registry: machine-to-machine, a consent, an
 * interrupt and its resume, a refresh — each a timer with low-cardinality tags, and no tag, name or attribute of any
 * observation holds a user id, a token, a client secret or a scope.
 */
class ObservationsTest extends AgentToolsTestBase {

    /** Every observation that ended, with everything it carries. */
    static final class Recording implements ObservationHandler<Observation.Context> {
        final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }

    @Test
    void m2mConsentInterruptResumeAndRefreshWhenObservedThenTimersWithLowCardinalityTagsAndNoSecret() {
        MeterRegistry meters = new SimpleMeterRegistry();
        Recording recording = new Recording();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters))
                .observationHandler(recording);
        TokenStore store = TokenStore.inMemory();
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").displayName("Corp Notes").issuer(idp.issuer())
                        .clientId("notes-agent").clientSecret("notes-secret").defaultScopes("openid").build())
                .provider(Provider.oauth2("crm").issuer(idp.issuer()).clientId("crm-agent").clientSecret("crm-secret")
                        .build())
                .provider(Provider.apiKey("weather").apiKey(dev.agentauth.core.Secret.of(WEATHER_KEY)).build())
                .tokenStore(store).clock(clock).loopbackCallback().observationRegistry(observations).build();
        tools = new NotesTools(api);
        AuthenticatedAgent agent = AuthenticatedAgent.builder().broker(broker)
                .chatModel(new ScriptedChatModel(SCRIPT)).tools(tools).clock(clock).build();
        Assistant assistant = agent.aiService(Assistant.class);

        assertThat(assistant.chat("obs", "report", as("alice"))).contains("report by");       // M2M
        ConsentInterrupt interrupt = catchThrowableOfType(ConsentInterruptException.class,
                () -> assistant.chat("obs", "list my notes", as("alice"))).interrupt();
        authorizeAll(interrupt, "alice");                                  // the loopback callback: consent.complete
        assertThat(agent.<String>resume(interrupt.id(), "alice")).contains("notes of alice");
        clock.advance(Duration.ofHours(2));                                // the token is stale now: a refresh
        assertThat(assistant.chat("obs", "list my notes", as("alice"))).contains("notes of alice");

        assertThat(timer(meters, "agentauth.token.request", "grant_type", "client_credentials").count()).isEqualTo(1);
        Timer code = timer(meters, "agentauth.token.request", "grant_type", "authorization_code");
        assertThat(code.count()).isEqualTo(1);
        assertThat(code.getId().getTag("outcome")).isEqualTo("success");
        assertThat(code.getId().getTag("error")).isEqualTo("none");
        assertThat(code.getId().getTag("provider")).isEqualTo("corp");
        assertThat(code.getId().getTag("operation")).isEqualTo("obtain");
        Timer refresh = timer(meters, "agentauth.token.request", "grant_type", "refresh_token");
        assertThat(refresh.count()).isEqualTo(1);
        assertThat(refresh.getId().getTag("operation")).isEqualTo("refresh");
        assertThat(timer(meters, "agentauth.consent.request", "provider", "corp").count()).isEqualTo(1);
        Timer completed = timer(meters, "agentauth.consent.complete", "outcome", "completed");
        assertThat(completed.count()).isEqualTo(1);
        assertThat(completed.getId().getTag("provider")).isEqualTo("corp");
        assertThat(timer(meters, "agentauth.interrupt.raise", "mode", "interrupt").count()).isEqualTo(1);
        Timer resumed = timer(meters, "agentauth.interrupt.resume", "kind", "resume");
        assertThat(resumed.getId().getTag("outcome")).isEqualTo("continued");

        // Nothing secret or personal in any observation: names, contextual names, every key value.
        String token = ((TokenResult.Granted) broker.token(TokenRequest.forUser("corp", "alice", "notes.read")))
                .token().value();
        String refreshToken = store.findByUser("alice").get(0).refreshToken();
        List<String> everything = new ArrayList<>();
        for (Observation.Context c : recording.stopped) {
            everything.add(c.getName());
            everything.add(String.valueOf(c.getContextualName()));
            for (KeyValue kv : c.getAllKeyValues()) {
                everything.add(kv.getKey() + "=" + kv.getValue());
            }
            assertThat(c.getError()).isNull();
        }
        assertThat(recording.stopped).hasSizeGreaterThanOrEqualTo(7);
        assertThat(everything).noneMatch(s -> s.contains("alice") || s.contains(token) || s.contains(refreshToken)
                || s.contains("notes-secret") || s.contains("notes.read") || s.contains("http"));
    }

    static Timer timer(MeterRegistry meters, String name, String key, String value) {
        Timer t = meters.find(name).tag(key, value).timer();
        assertThat(t).as(name + " with " + key + "=" + value + " in " + meters.getMeters().stream()
                .map(m -> m.getId().toString()).toList()).isNotNull();
        return t;
    }
}
