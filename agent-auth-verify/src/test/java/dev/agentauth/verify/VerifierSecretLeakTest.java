package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentauth.core.testing.LogCapture;
import dev.agentauth.core.testing.TestIssuer;
import dev.agentauth.core.testing.TestKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Inbound verification leaks nothing: tokens accepted and refused for every kind of reason — another audience, an
 * unknown key, a forged signature, a truncated token — appear in no log line, exception message or
 * {@code toString()} of the verifier or of what it returns.
 */
class VerifierSecretLeakTest {

    @Test
    void verifyWhenEverythingLoggedAndPrintedThenNoTokenAppears() {
        LogCapture logs = LogCapture.start();
        List<String> printed = new ArrayList<>();
        Set<String> secrets = new LinkedHashSet<>();
        try (TestIssuer issuer = TestIssuer.start()) {
            TokenVerifier verifier = TokenVerifier.builder().issuer(issuer.issuer()).audience("svc").build();
            printed.add(verifier.toString());
            String good = TestIssuer.sign(issuer.rsa, issuer.claims("svc", Instant.now()).build());
            secrets.add(good);
            printed.add(verifier.verify(good).toString());
            for (String bad : List.of(TestIssuer.sign(issuer.rsa, issuer.claims("other", Instant.now()).build()),
                    TestIssuer.sign(TestKeys.rsa("unknown"), issuer.claims("svc", Instant.now()).build()),
                    good.substring(0, good.lastIndexOf('.')) + ".AAAA", good.substring(0, 60))) {
                secrets.add(bad);
                printed.add(describe(catchThrowable(() -> verifier.verify(bad))));
            }
        } finally {
            logs.close();
        }

        List<String> logLines = logs.projectLines();
        assertThat(logLines).as("the refusals were logged").hasSizeGreaterThanOrEqualTo(4);
        assertThat(secrets).hasSize(5);
        for (String secret : secrets) {
            assertThat(logLines).as("log lines").noneMatch(line -> line != null && line.contains(secret));
            assertThat(printed).as("toString and messages").noneMatch(s -> s != null && s.contains(secret));
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }
}
