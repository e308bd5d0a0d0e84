package dev.agentauth.benchmarks;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.TrustedIssuer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Inbound verification with a cached JWKS: {@code TokenVerifier.verify} against raw Nimbus
 * ({@code DefaultJWTProcessor} over the same keys, with the same checks: algorithm, signature, {@code iss}, {@code aud},
 * {@code exp}), on RS256 and ES256 tokens. The verifier's JWKS comes once from a local HTTP server in setup; every
 * measured call verifies from the cache.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class VerifierBenchmark {

    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "notes-api";

    HttpServer jwks;
    TokenVerifier verifier;
    DefaultJWTProcessor<SecurityContext> nimbus;
    String rs256;
    String es256;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        JWKSet keys = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK()));
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        byte[] body = keys.toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/jwks", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        verifier = TokenVerifier.builder()
                .trust(TrustedIssuer.of(ISSUER).withJwksUri("http://127.0.0.1:" + jwks.getAddress().getPort()
                        + "/jwks"))
                .audience(AUDIENCE).build();

        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
                .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 3_600_000))
                .claim("scope", "notes.read").build();
        SignedJWT r = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
                .type(JOSEObjectType.JWT).build(), claims);
        r.sign(new RSASSASigner(rsa));
        rs256 = r.serialize();
        SignedJWT e = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
                .type(JOSEObjectType.JWT).build(), claims);
        e.sign(new ECDSASigner(ec));
        es256 = e.serialize();

        nimbus = new DefaultJWTProcessor<>();
        nimbus.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                new ImmutableJWKSet<>(keys)));
        nimbus.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(AUDIENCE,
                new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("exp")));

        verifier.verify(rs256); // fetches and caches the JWKS
        verifier.verify(es256);
        nimbus.process(rs256, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jwks.stop(0);
    }

    @Benchmark
    public Object agentAuthRs256() {
        return verifier.verify(rs256);
    }

    @Benchmark
    public Object nimbusRs256() throws Exception {
        return nimbus.process(rs256, null);
    }

    @Benchmark
    public Object agentAuthEs256() {
        return verifier.verify(es256);
    }

    @Benchmark
    public Object nimbusEs256() throws Exception {
        return nimbus.process(es256, null);
    }
}
