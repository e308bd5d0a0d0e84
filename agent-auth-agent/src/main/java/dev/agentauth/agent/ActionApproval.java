package dev.agentauth.agent;

import dev.agentauth.core.Approval;

/**
 * How a tool call becomes the one action its user approves on their own device (OpenID CIBA with RFC 9396
 * authorization details): named on the tool by {@link AuthenticatedTool#approval()}. The tool author controls the
 * mapping: the call's JSON arguments are read into {@link #argumentsType()} (Jackson; unknown members ignored — a
 * record with the tool's parameters is the usual choice), and {@link #approval} says what the user approves: the
 * {@code authorization_details} the identity provider shows them and puts into the token, a short binding message,
 * and the action in words for the consent card ({@link Approval#withSummary}).
 *
 * <pre>{@code
 * public final class PaymentApproval implements ActionApproval<PaymentApproval.Args> {
 *     public record Args(String creditor, String amount) { }
 *     public Class<Args> argumentsType() { return Args.class; }
 *     public Approval approval(Args a) {
 *         return Approval.of("PAY-" + a.amount() + "EUR-" + a.creditor(),
 *                 new AuthorizationDetail.Builder(new AuthorizationType("payment_initiation"))
 *                         .field("instructedAmount", Map.of("currency", "EUR", "amount", a.amount()))
 *                         .field("creditorName", a.creditor()).build())
 *                 .withSummary("Pay " + a.amount() + " EUR to " + a.creditor());
 *     }
 * }
 * }</pre>
 *
 * <p>The token the user approves serves that one call: it is never cached or used for another call, and a call the
 * user declines, or leaves until the request expires, reaches the model as a refusal while the turn goes on.
 * Implementations have a public no-argument constructor, are stateless and thread-safe, and do no I/O: the agent
 * calls {@link #approval} on the tool call's thread, before the identity provider is asked.
 *
 * @param <A> what the tool's arguments are read into
 * @since 0.3.0
 */
public interface ActionApproval<A> {

    /** The type the call's JSON arguments are read into (a record of the tool's parameters, or a Jackson node). */
    Class<A> argumentsType();

    /** The action this call asks the user to approve. Throwing tells the model the call could not be approved. */
    Approval approval(A arguments);

    /** The default of {@link AuthenticatedTool#approval()}: the tool asks no approval per call. */
    final class None implements ActionApproval<Void> {

        private None() {
        }

        @Override
        public Class<Void> argumentsType() {
            return Void.class;
        }

        @Override
        public Approval approval(Void arguments) {
            throw new UnsupportedOperationException("no approval");
        }
    }
}
