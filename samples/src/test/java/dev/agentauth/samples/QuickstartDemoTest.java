package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickstartDemoTest {

    @Test
    void mainWhenRunUnattendedThenShowsM2mTokenAndCompletedConsentForAlice() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            QuickstartDemo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);

        assertThat(printed).contains("M2M token:", "sub=demo-agent", "Consent needed: Demo identity provider",
                "Consent completed for alice.", "sub=alice", "Cached:        true", "Disconnected:  1 grant(s)");
        assertThat(printed).contains("value=redacted").doesNotContainPattern("eyJ[A-Za-z0-9_-]{10,}\\.");
    }
}
