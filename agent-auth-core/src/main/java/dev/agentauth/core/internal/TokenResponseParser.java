package dev.agentauth.core.internal;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderUnavailableException;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenRefusedException;
import dev.agentauth.core.UnsupportedTokenTypeException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import net.minidev.json.JSONObject;

/**
 * Reads a token endpoint's answer (RFC 6749 §5.1 and §5.2) into {@link IssuedTokens} or a typed error, whatever the
 * provider sends. The status decides first: 429, 408 and 5xx are the provider being busy or down (retryable, with its
 * {@code Retry-After}), even when the body carries an OAuth error code; then an OAuth error in the body (GitHub sends
 * them with HTTP 200); then the success body is checked field by field — an {@code access_token} that is a non-empty
 * string, a {@code token_type} the broker can present ({@code Bearer}), an {@code expires_in} that is a non-negative
 * number of seconds. Nothing of the body is quoted in a message but the provider's own error code and description.
 * Stateless and thread-safe.
 */
final class TokenResponseParser {

    /** A longer lifetime is capped: no token is cached for more than ten years, whatever the provider says. */
    static final long MAX_LIFETIME_SECONDS = 10L * 365 * 24 * 3600;
    /** A {@code Retry-After} beyond this is capped: it is advice, and a day is long enough to wait. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    private final Provider provider;
    private final Clock clock;

    TokenResponseParser(Provider provider, Clock clock) {
        this.provider = provider;
        this.clock = clock;
    }

    IssuedTokens parse(HTTPResponse response, Principal principal) {
        int status = response.getStatusCode();
        JSONObject json = jsonObject(response);
        if (json != null && provider.tokenResponseFormat() == Provider.TokenResponseFormat.SLACK) {
            json = SlackResponses.normalize(json);
        }
        String code = json != null && json.get("error") instanceof String e && !e.isBlank() ? e : null;
        // RFC 6585 §4, RFC 9110 §15.6: throttled or down, whatever the body claims; its code is only a detail.
        if (status == 429 || status == 408 || status >= 500) {
            throw unavailable("token endpoint answered HTTP " + status + (code != null ? " (" + code + ")" : ""),
                    response, principal);
        }
        if (code != null) {
            ErrorObject error = ErrorObject.parse(json);
            if ("server_error".equals(code) || "temporarily_unavailable".equals(code) || "slow_down".equals(code)) {
                throw unavailable("token endpoint answered " + code + describe(error) + " (HTTP " + status + ")",
                        response, principal);
            }
            throw new TokenRefusedException("provider '" + provider.id() + "' refused the token request: " + code
                    + describe(error) + hint(code), provider.id(), principal, code);
        }
        if (status == 401 || status == 403) {
            throw new TokenRefusedException("provider '" + provider.id() + "' refused the client (HTTP " + status
                    + "); check the client id, secret and authentication method", provider.id(), principal,
                    "invalid_client");
        }
        if (status != 200) {
            throw malformed("HTTP " + status + " without an OAuth error", principal);
        }
        if (json == null) {
            String type = response.getHeaderValue("Content-Type");
            throw malformed("the body is not a JSON object" + (type != null ? " (Content-Type "
                    + type.split(";")[0].trim() + ")" : ""), principal);
        }
        String accessToken = requiredString(json, "access_token", principal);
        String tokenType = requiredString(json, "token_type", principal);
        String type = tokenType.toLowerCase(Locale.ROOT);
        // RFC 9449 §5: a DPoP-bound token only when one was asked for; a server may still answer Bearer.
        boolean dpop = provider.dpop() && "dpop".equals(type);
        if (!"bearer".equals(type) && !dpop) {
            throw new UnsupportedTokenTypeException(provider.id(), principal, tokenType);
        }
        Object refresh = json.get("refresh_token");
        if (refresh != null && !(refresh instanceof String)) {
            throw malformed("refresh_token is not a string", principal);
        }
        Long lifetime = lifetime(json.get("expires_in"), principal);
        // GitHub answers "repo,gist": split on commas as well as spaces.
        Scopes scope = json.get("scope") instanceof String s && !s.isBlank() ? Scopes.parse(s) : null;
        Object idToken = json.get("id_token");
        return new IssuedTokens(accessToken, dpop ? "DPoP" : "Bearer", refresh == null || ((String) refresh).isEmpty() ? null
                : (String) refresh, lifetime, scope, idToken instanceof String t && !t.isBlank() ? t : null);
    }

    /**
     * {@code expires_in} in seconds (RFC 6749 §5.1): absent is {@code null} (the provider's default lifetime applies);
     * 0 is a token that is already expired (served to this caller, never cached as fresh); a decimal is rounded down;
     * digits in a string are read as a number. Negative or not a number: malformed. Beyond ten years: an absolute
     * Unix time when it is one (Coze sends those), else capped at ten years.
     */
    Long lifetime(Object raw, Principal principal) {
        if (raw == null) {
            return null;
        }
        BigDecimal value;
        try {
            if (raw instanceof Number n) {
                value = new BigDecimal(n.toString());
            } else if (raw instanceof String s && s.strip().matches("-?\\d{1,30}(\\.\\d{1,30})?")) {
                value = new BigDecimal(s.strip());
            } else {
                throw malformed("expires_in is not a number of seconds", principal);
            }
        } catch (NumberFormatException e) {
            throw malformed("expires_in is not a number of seconds", principal);
        }
        if (value.signum() < 0) {
            throw malformed("expires_in is negative", principal);
        }
        if (value.compareTo(BigDecimal.valueOf(MAX_LIFETIME_SECONDS)) <= 0) {
            return value.longValue(); // rounds a decimal down
        }
        long now = clock.millis() / 1000;
        if (value.compareTo(BigDecimal.valueOf(now + MAX_LIFETIME_SECONDS)) <= 0 && value.longValue() > now) {
            return value.longValue() - now; // an absolute expiry time, not a lifetime
        }
        return MAX_LIFETIME_SECONDS;
    }

    /** {@code Retry-After} (RFC 9110 §10.2.3): seconds or an HTTP date; absent or unreadable is {@code null}. */
    Duration retryAfter(HTTPResponse response) {
        String v = response.getHeaderValue("Retry-After");
        if (v == null || v.isBlank()) {
            return null;
        }
        v = v.strip();
        Duration d;
        if (v.matches("\\d{1,10}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(clock.instant(), ZonedDateTime.parse(v,
                        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
    }

    private ProviderUnavailableException unavailable(String what, HTTPResponse response, Principal principal) {
        Duration after = retryAfter(response);
        return new ProviderUnavailableException("provider '" + provider.id() + "': " + what
                + "; the stored grant was kept, retry " + (after != null ? "after " + describe(after) : "later"),
                provider.id(), principal, null, after);
    }

    private ProviderUnavailableException malformed(String what, Principal principal) {
        return new ProviderUnavailableException("provider '" + provider.id() + "': malformed token response (" + what
                + "); the stored grant was kept; retry later, and if it persists the provider's token endpoint is"
                + " misconfigured", provider.id(), principal, null);
    }

    private String requiredString(JSONObject json, String name, Principal principal) {
        Object v = json.get(name);
        if (v == null) {
            throw malformed("no " + name, principal);
        }
        if (!(v instanceof String s)) {
            throw malformed(name + " is not a string", principal);
        }
        if (s.isBlank()) {
            throw malformed(name + " is empty", principal);
        }
        return s;
    }

    private static JSONObject jsonObject(HTTPResponse response) {
        try {
            return response.getBodyAsJSONObject();
        } catch (ParseException | RuntimeException notAnObject) {
            return null;
        }
    }

    static String describe(ErrorObject error) {
        String d = error.getDescription();
        if (d == null || d.isBlank()) {
            return "";
        }
        return " (" + (d.length() > 200 ? d.substring(0, 200) + "…" : d) + ")";
    }

    private static String describe(Duration d) {
        return d.toMinutes() >= 2 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static String hint(String code) {
        return switch (code) {
            case "invalid_client" -> "; check the client id, secret and authentication method";
            case "invalid_scope" -> "; the client may not ask for these scopes";
            case "unauthorized_client" -> "; the client is not allowed this grant type at the provider";
            case "unsupported_grant_type" -> "; the provider does not support this grant type";
            default -> "";
        };
    }
}
