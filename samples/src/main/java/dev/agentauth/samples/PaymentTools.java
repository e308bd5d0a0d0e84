package dev.agentauth.samples;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.agent.ActionApproval;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.core.Approval;
import dev.langchain4j.agent.tool.Tool;
import java.text.ParseException;
import java.util.Map;

/**
 * The demo's approval tool: a payment its user approves on their own device, as exactly that payment (OpenID CIBA with
 * RFC 9396 authorization details). Offered when a CIBA-capable identity provider is configured ({@code BANK_ISSUER},
 * {@code BANK_CLIENT_ID}, {@code BANK_CLIENT_SECRET}; see README): the demo's own identity provider has no backchannel.
 * No money moves: the tool reports the payment the token was approved for.
 */
public final class PaymentTools {

    /** The provider id of the bank in the demo's broker. */
    public static final String PROVIDER = "bank";

    /** A payment's arguments, typed, to the action the user approves — and the card shows in words. */
    public static final class PaymentApproval implements ActionApproval<PaymentApproval.Args> {

        /** The tool's arguments. */
        public record Args(String creditor, String amount) {
        }

        @Override
        public Class<Args> argumentsType() {
            return Args.class;
        }

        @Override
        public Approval approval(Args a) {
            if (a.creditor() == null || !a.creditor().matches("[A-Za-z0-9]{1,20}") || a.amount() == null
                    || !a.amount().matches("\\d{1,6}(\\.\\d{1,2})?")) {
                throw new IllegalArgumentException("a payment needs a creditor (letters, digits) and an amount in"
                        + " euros");
            }
            // The binding message is a short code, as Keycloak takes them: no spaces.
            return Approval.of("PAY-" + a.amount() + "EUR-" + a.creditor(),
                            new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
                                    .field("instructedAmount", Map.of("currency", "EUR", "amount", a.amount()))
                                    .field("creditorName", a.creditor()).build())
                    .withSummary("Pay " + a.amount() + " EUR to " + a.creditor());
        }
    }

    @Tool("Pay someone in euros; the user approves the payment on their own device")
    @AuthenticatedTool(provider = PROVIDER, approval = PaymentApproval.class)
    public String pay(@InjectToken String token, String creditor, String amount) throws ParseException {
        Object approved = SignedJWT.parse(token).getJWTClaimsSet().getClaim("authorization_details");
        return "Paid " + amount + " EUR to " + creditor + " (approved on your device"
                + (approved != null ? ": " + approved : "") + ").";
    }
}
