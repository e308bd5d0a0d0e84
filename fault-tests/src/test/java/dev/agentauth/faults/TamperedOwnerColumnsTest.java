package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 1 — tampered owner columns. Someone with write access to the database (not to the keyset) edits the column
 * that says whose a row is. Whose a row is must be bound to its seal: the edited row must not serve, list, revoke or
 * show anything across users, and one bad row must not take a user's whole listing down. Two replica processes; the
 * edits are plain SQL from the test.
 */
class TamperedOwnerColumnsTest extends FaultTestBase {

    @BeforeAll
    static void database() {
        useDatabase("faults_tampered");
    }

    @Test
    void grantOwnerEditedFromCarolToDaveThenNeitherTokenListingNorRevocationCrossesUsers(TestInfo test) {
        Figures f = figures("1", test);
        Replica a = replica("A");
        Replica b = replica("B");
        JsonNode carol = consent(a, a, "carol");
        JsonNode dave = consent(a, a, "dave");
        String carolToken = carol.get("fingerprint").asText();
        List<String> carolTokens = gateway.issuedTo("carol");
        assertThat(carolTokens).as("carol's access and refresh tokens, seen at the gateway").hasSizeGreaterThan(1);

        int edited = update("UPDATE agentauth_grant SET user_id = 'dave' WHERE user_id = 'carol'");
        assertThat(edited).isEqualTo(1);

        // B has served neither token: whatever it answers comes from the edited rows.
        JsonNode carolFirst = b.call("token", "user", "carol");
        JsonNode daveOnB = b.call("token", "user", "dave");
        JsonNode daveOnA = a.call("token", "user", "dave");
        JsonNode daveGrants = b.call("grants", "user", "dave");
        int revokedBefore = gateway.revocationsOf("carol");
        JsonNode disconnected = b.call("disconnect", "user", "dave", "provider", "corp");
        int carolRevocations = gateway.revocationsOf("carol") - revokedBefore;
        JsonNode daveAfterDisconnect = b.call("token", "user", "dave");
        JsonNode carolAfter = b.call("token", "user", "carol");

        List<String> listed = new ArrayList<>();
        daveGrants.path("grants").forEach(g -> listed.add(g.path("provider").asText() + ":"
                + g.path("accountSubject").asText()));
        f.put("carolToken_onB", describe(carolFirst)).put("daveToken_onB", describe(daveOnB))
                .put("daveToken_onA", describe(daveOnA)).put("grantsOfDave", listed)
                .put("disconnectDave", describe(disconnected) + "/removed=" + disconnected.path("removed").asInt())
                .put("revocationsOfCarolTokensByDisconnectDave", carolRevocations)
                .put("daveToken_afterDisconnect", describe(daveAfterDisconnect))
                .put("carolToken_afterDisconnect", describe(carolAfter));

        SoftAssertions softly = new SoftAssertions();
        for (JsonNode daveToken : List.of(daveOnB, daveOnA, daveAfterDisconnect)) {
            softly.assertThat(daveToken.path("sub").asText()).as("dave's token() never returns carol's token: "
                    + daveToken).isNotEqualTo("carol");
            softly.assertThat(daveToken.path("fingerprint").asText()).as("dave's token() is not carol's token")
                    .isNotIn(carolTokens);
        }
        softly.assertThat(daveOnB.path("fingerprint").asText()).as("dave's own token on B")
                .isEqualTo(dave.get("fingerprint").asText());
        softly.assertThat(outcome(daveGrants)).as("grants(dave) answers: " + daveGrants).isEqualTo("grants");
        softly.assertThat(listed).as("grants(dave) lists dave's connection only, not carol's")
                .containsExactly("corp:dave");
        softly.assertThat(carolRevocations).as("disconnect(dave) revokes nothing of carol's").isZero();
        softly.assertThat(describe(carolFirst)).as("carol's token() after the edit offers a fresh consent: "
                + carolFirst).isEqualTo("consent");
        softly.assertThat(carolFirst.path("fingerprint").asText()).as("carol is not handed her edited row's token")
                .isNotEqualTo(carolToken);
        softly.assertThat(describe(carolAfter)).as("carol's token() after dave disconnected offers a fresh consent: "
                + carolAfter).isEqualTo("consent");
        softly.assertAll();
    }

    @Test
    void interruptOwnerEditedFromBobToAliceThenAliceNeitherSeesNorResumesItAndABadRowDoesNotHideHers(TestInfo test) {
        Figures f = figures("1", test);
        Replica a = replica("A");
        Replica b = replica("B");
        JsonNode bobs = interruptOn(a, "conv-bob", "bob", "list my notes");
        JsonNode alices = interruptOn(a, "conv-alice", "alice", "list my notes");
        String bobUrl = authorizationUrl(bobs);
        // Bob consents, so that his interrupt could be resumed: only ownership stands in the way.
        JsonNode bobConsent = b.call("completeConsent", "callback", signIn(bobUrl, "bob").toString(), "user", "bob");
        assertThat(bobConsent.path("status").asText()).isEqualTo("COMPLETED");

        int edited = update("UPDATE agentauth_interrupt SET user_id = 'alice' WHERE user_id = 'bob'");
        assertThat(edited).isEqualTo(1);

        JsonNode listing = b.call("pendingInterrupts", "user", "alice");
        JsonNode resumeAsAlice = b.call("resume", "interruptId", bobs.get("id").asText(), "user", "alice");
        long toolRuns = toolLog.starts("listNotes");

        // One more row of alice's, whose payload does not decrypt (random bytes, as a disk or a bad copy leaves).
        byte[] garbage = new byte[96];
        new SecureRandom().nextBytes(garbage);
        update("INSERT INTO agentauth_interrupt (interrupt_id, user_id, agent, created_at, purge_at, payload)"
                + " SELECT 'undecryptable-1', user_id, agent, created_at + 1, purge_at, ? FROM agentauth_interrupt"
                + " WHERE interrupt_id = ?", garbage, alices.get("id").asText());
        JsonNode listingWithBadRow = b.call("pendingInterrupts", "user", "alice");
        JsonNode listingOnA = a.call("pendingInterrupts", "user", "alice");

        f.put("aliceListing", ids(listing)).put("bobInterrupt", bobs.get("id").asText())
                .put("aliceInterrupt", alices.get("id").asText())
                .put("resumeBobsAsAlice", describe(resumeAsAlice)).put("toolRuns", toolRuns)
                .put("aliceListing_withUndecryptableRow_onB", describe(listingWithBadRow) + ids(listingWithBadRow))
                .put("aliceListing_withUndecryptableRow_onA", describe(listingOnA) + ids(listingOnA));

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(ids(listing)).as("alice's listing shows her interrupt").contains(alices.get("id").asText());
        softly.assertThat(ids(listing)).as("alice's listing does not show bob's edited interrupt")
                .doesNotContain(bobs.get("id").asText());
        softly.assertThat(urls(listing)).as("no authorization URL of bob's reaches alice").doesNotContain(bobUrl);
        softly.assertThat(describe(resumeAsAlice)).as("resuming bob's interrupt as alice is a typed refusal: "
                + resumeAsAlice).startsWith("error:ResumeRejectedException");
        softly.assertThat(toolRuns).as("no tool ran").isZero();
        for (JsonNode l : List.of(listingWithBadRow, listingOnA)) {
            softly.assertThat(outcome(l)).as("one undecryptable row does not fail alice's whole listing: " + l)
                    .isEqualTo("interrupts");
            softly.assertThat(ids(l)).as("alice's readable interrupt is still listed")
                    .contains(alices.get("id").asText());
        }
        softly.assertAll();
    }

    private static List<String> ids(JsonNode listing) {
        List<String> ids = new ArrayList<>();
        listing.path("interrupts").forEach(i -> ids.add(i.path("id").asText()));
        return ids;
    }

    private static List<String> urls(JsonNode listing) {
        List<String> urls = new ArrayList<>();
        listing.path("interrupts").forEach(i -> i.path("consents").forEach(c ->
                urls.add(c.path("authorizationUrl").asText())));
        return urls;
    }
}
