package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.core.testing.LogCapture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every URL a provider sends that the broker hands to a user — a device authorization's verification URIs (RFC 8628
 * §3.2), the authorization endpoint of discovered metadata (RFC 8414 §2) — is an https URL or http to a loopback host;
 * anything else is refused with a typed error naming the field, and no consent requirement carries it. A tiny JDK HTTP
 * server on 127.0.0.1 stands in for the provider's device endpoint, token endpoint and metadata.
 */
class UserFacingUrlTest {

    static HttpServer provider;
    static String base;
    static volatile String verificationUri;
    static volatile String verificationUriComplete;
    static volatile String authorizationEndpoint;
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    TokenBroker broker;

    /** URLs a provider must not get to a user's browser, and the words of the refusal. */
    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("javascript:alert(1)", "its scheme is 'javascript:'"),
                Arguments.of("JavaScript:alert(1)", "its scheme is 'javascript:'"),
                Arguments.of("data:text/html,<script>alert(1)</script>", "it is not a URL"),
                Arguments.of("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "its scheme is 'data:'"),
                Arguments.of("file:///etc/passwd", "its scheme is 'file:'"),
                Arguments.of("vbscript:msgbox(1)", "its scheme is 'vbscript:'"),
                Arguments.of("http://evil.example/device", "it is plain http to evil.example"),
                Arguments.of("/device", "it is relative"),
                Arguments.of("device", "it is relative"),
                Arguments.of("//evil.example/device", "it is relative"),
                Arguments.of(" https://idp.example/device", "it starts with white space"),
                Arguments.of("\thttps://idp.example/device", "it starts with white space"),
                Arguments.of("https://idp.example@evil.example/device", "it has user info before its host"),
                Arguments.of("https:///device", "it has no host"));
    }

    static Stream<String> accepted() {
        return Stream.of("https://idp.example/device", "HTTPS://idp.example/device?x=1",
                "http://127.0.0.1:8080/device", "http://[::1]:8080/device", "http://localhost:8080/device",
                "http://LOCALHOST/device");
    }

    @BeforeAll
    static void start() throws IOException {
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + provider.getAddress().getPort();
        provider.createContext("/device", ex -> answer(ex, 200, "{\"device_code\":\"device-code-secret\","
                + "\"user_code\":\"WDJB-MJHT\",\"verification_uri\":" + json(verificationUri)
                + (verificationUriComplete == null ? "" : ",\"verification_uri_complete\":"
                + json(verificationUriComplete)) + ",\"expires_in\":600,\"interval\":5}"));
        provider.createContext("/token", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("device_code")) {
                answer(ex, 400, "{\"error\":\"authorization_pending\"}");
            } else {
                answer(ex, 200, "{\"access_token\":\"machine-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
            }
        });
        provider.createContext("/.well-known/oauth-authorization-server", ex -> answer(ex, 200, "{\"issuer\":\""
                + base + "\",\"authorization_endpoint\":" + json(authorizationEndpoint) + ",\"token_endpoint\":\""
                + base + "/token\",\"response_types_supported\":[\"code\"]}"));
        provider.start();
    }

    @AfterAll
    static void stop() {
        provider.stop(0);
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
        verificationUriComplete = null;
    }

    TokenBroker deviceBroker() {
        broker = TokenBroker.builder().provider(Provider.oauth2("tv").tokenEndpoint(base + "/token")
                .deviceAuthorizationEndpoint(base + "/device").clientId("tv-client").clientSecret("tv-secret")
                .build()).auditListener(events::add).build();
        return broker;
    }

    TokenBroker discoveringBroker() {
        broker = TokenBroker.builder().provider(Provider.oauth2("sso").issuer(base).clientId("sso-client")
                .clientSecret("sso-secret").build()).redirectUri(URI.create("http://127.0.0.1:9/callback"))
                .auditListener(events::add).build();
        return broker;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void deviceAuthorizationWhenVerificationUriIsUnsafeThenRefusedByNameAndNothingShown(String uri, String shape) {
        verificationUri = uri;
        Throwable thrown = catchThrowable(() -> deviceBroker().token(TokenRequest.forUser("tv", "alice")));

        assertRefused(thrown, "the verification_uri in the device authorization response is refused (" + shape);
        assertThat(thrown).hasMessageContaining("device authorization endpoint is misconfigured or compromised");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void deviceAuthorizationWhenCompleteVerificationUriIsUnsafeThenRefusedByName(String uri, String shape) {
        verificationUri = "https://idp.example/device";
        verificationUriComplete = uri;
        Throwable thrown = catchThrowable(() -> deviceBroker().token(TokenRequest.forUser("tv", "alice")));

        assertRefused(thrown, "the verification_uri_complete in the device authorization response is refused ("
                + shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void deviceAuthorizationWhenVerificationUriIsHttpsOrLoopbackThenShown(String uri) {
        verificationUri = uri;
        verificationUriComplete = uri + (uri.contains("?") ? "&" : "?") + "user_code=WDJB-MJHT";
        TokenResult r = deviceBroker().token(TokenRequest.forUser("tv", "alice"));

        ConsentRequirement c = ((TokenResult.ConsentRequired) r).consent();
        assertThat(c.deviceCode().orElseThrow().verificationUri()).isEqualTo(URI.create(uri));
        assertThat(c.authorizationUri()).isEqualTo(URI.create(verificationUriComplete));
        assertThat(ConsentRequirement.isSafeToShow(c.authorizationUri())).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void consentWhenDiscoveredAuthorizationEndpointIsUnsafeThenRefusedByNameAndMachineGrantsStillWork(String uri,
                                                                                                   String shape) {
        authorizationEndpoint = uri;
        Throwable built = catchThrowable(this::discoveringBroker);
        if (built != null) {
            // a value the metadata parser cannot read at all makes the whole document unusable, named by its member
            assertThat(shape).isIn("it is not a URL", "it starts with white space");
            assertThat(built).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("authorization_endpoint is not a URL").hasMessageNotContaining("script");
            return;
        }
        Throwable thrown = catchThrowable(() -> broker.token(TokenRequest.forUser("sso", "alice")));

        assertRefused(thrown, "the authorization_endpoint in the metadata of issuer " + base + " is refused ("
                + shape);
        assertThat(thrown).hasMessageContaining("configure ProviderBuilder.authorizationEndpoint(...) yourself");
        // the metadata names a token endpoint all the same: grants without a user are unaffected
        assertThat(broker.token(TokenRequest.forAgent("sso"))).isInstanceOf(TokenResult.Granted.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void consentWhenDiscoveredAuthorizationEndpointIsHttpsOrLoopbackThenItIsTheConsentUrl(String uri) {
        authorizationEndpoint = uri;
        TokenResult r = discoveringBroker().token(TokenRequest.forUser("sso", "alice"));

        URI shown = ((TokenResult.ConsentRequired) r).consent().authorizationUri();
        assertThat(shown.toString()).startsWith(uri);
        assertThat(ConsentRequirement.isSafeToShow(shown)).isTrue();
    }

    @Test
    void buildWhenConfiguredEndpointIsNotAnHttpUrlThenRefused() {
        assertThatThrownBy(() -> Provider.oauth2("x").clientId("c").clientSecret("s").tokenEndpoint("https://x/t")
                .authorizationEndpoint("javascript:alert(1)").build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("authorizationEndpoint must be an absolute https URL");
        assertThatThrownBy(() -> Provider.oauth2("x").clientId("c").clientSecret("s").tokenEndpoint("/token")
                .build()).isInstanceOf(ConfigurationException.class).hasMessageContaining("tokenEndpoint");
    }

    @Test
    void buildWhenConfiguredWithPlainHttpToAnotherHostThenOneWarningNamingTheSettings() {
        try (LogCapture logs = LogCapture.start()) {
            Provider.oauth2("dev-idp").clientId("c").clientSecret("s").authorizationEndpoint("http://idp.internal/a")
                    .tokenEndpoint("http://idp.internal/t").revocationEndpoint("https://idp.internal/r").build();
            Provider.oauth2("local-idp").clientId("c").clientSecret("s").authorizationEndpoint("http://127.0.0.1/a")
                    .tokenEndpoint("http://localhost/t").build();

            assertThat(logs.projectLines()).filteredOn(l -> l.contains("plain http")).singleElement()
                    .satisfies(l -> assertThat(l).contains("dev-idp", "authorizationEndpoint (idp.internal)",
                            "tokenEndpoint (idp.internal)").doesNotContain("revocationEndpoint", "local-idp"));
        }
    }

    @Test
    void isSafeToShowWhenHttpsOrLoopbackHttpThenTrueElseFalse() {
        accepted().forEach(u -> assertThat(ConsentRequirement.isSafeToShow(URI.create(u))).as(u).isTrue());
        assertThat(ConsentRequirement.isSafeToShow(URI.create("javascript:alert(1)"))).isFalse();
        assertThat(ConsentRequirement.isSafeToShow(URI.create("http://127.0.0.2/a"))).isFalse();
        assertThat(ConsentRequirement.isSafeToShow(URI.create("http://localhost.evil.example/a"))).isFalse();
        assertThat(ConsentRequirement.isSafeToShow(URI.create("https://idp.example@evil.example/"))).isFalse();
        assertThat(ConsentRequirement.isSafeToShow(null)).isFalse();
    }

    void assertRefused(Throwable thrown, String names) {
        assertThat(thrown).isInstanceOf(ProviderUnavailableException.class).hasMessageContaining(names)
                .hasMessageContaining("only an https URL, or http to 127.0.0.1, [::1] or localhost")
                .hasMessageContaining("nothing was shown to the user")
                .hasMessageNotContaining("alert").hasMessageNotContaining("passwd").hasMessageNotContaining("msgbox")
                .hasMessageNotContaining("device-code-secret");
        assertThat(events).noneMatch(e -> e.type() == AuditEvent.Type.CONSENT_REQUESTED);
    }

    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }
}
