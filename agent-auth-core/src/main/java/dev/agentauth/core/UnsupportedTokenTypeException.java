package dev.agentauth.core;

/**
 * The provider issued a token of a type the broker cannot present (RFC 6749 §7.1): anything but {@code Bearer}, e.g. a
 * DPoP-bound token (RFC 9449), which is only usable with a proof the broker does not send. The token is not used or
 * stored. Not retryable: configure the client at the provider to issue bearer tokens. {@link #tokenType()} is the type
 * the provider named.
 *
 * @since 0.2.0
 */
public class UnsupportedTokenTypeException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    private final String tokenType;

    public UnsupportedTokenTypeException(ProviderId provider, Principal principal, String tokenType) {
        super("provider '" + provider + "' issued a token of type '" + printable(tokenType) + "', which this broker"
                + " cannot present (it sends bearer tokens only" + ("dpop".equalsIgnoreCase(tokenType)
                ? "; a DPoP-bound token needs a proof per request, RFC 9449" : "") + "); the token was discarded:"
                + " configure the client at the provider to issue bearer tokens", provider, principal,
                null, false, null);
        this.tokenType = tokenType;
    }

    /** The {@code token_type} the provider sent. */
    public String tokenType() {
        return tokenType;
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
