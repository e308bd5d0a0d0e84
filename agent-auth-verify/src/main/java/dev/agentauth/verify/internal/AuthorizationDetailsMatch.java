package dev.agentauth.verify.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.minidev.json.JSONValue;

/**
 * RFC 9396 authorization details in a verified token: reading the {@code authorization_details} claim (§9.1: a JSON
 * array of objects, each with a {@code type}), and whether what a token grants covers what a request needs. RFC 9396
 * leaves the comparison to each type's definition (§6, §9); this is the strict, type-independent reading: a granted
 * detail covers a required one when it has the same {@code type} and, for every member the requirement names, an
 * equal value — where a list in the requirement must be contained in the granted list (e.g. {@code actions}), and an
 * object must be covered member by member. A member the requirement does not name is not looked at. Stateless and
 * thread-safe; no I/O.
 */
public final class AuthorizationDetailsMatch {

    private AuthorizationDetailsMatch() {
    }

    /** The details of a token's claims: empty when there is no claim, or it is not an array of RFC 9396 details. */
    public static List<AuthorizationDetail> of(Map<String, Object> claims) {
        Object claim = claims.get("authorization_details");
        if (claim == null) {
            return List.of();
        }
        try {
            return AuthorizationDetail.parseList(claim instanceof String s ? s : JSONValue.toJSONString(claim));
        } catch (ParseException | RuntimeException e) {
            return List.of(); // malformed: it grants nothing
        }
    }

    /** Whether every one of {@code required} is covered by one of {@code granted}. */
    public static boolean covers(List<AuthorizationDetail> granted, List<AuthorizationDetail> required) {
        for (AuthorizationDetail need : required) {
            if (granted.stream().noneMatch(g -> covers(g.toJSONObject(), need.toJSONObject()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean covers(Object granted, Object required) {
        if (required instanceof Map<?, ?> need) {
            if (!(granted instanceof Map<?, ?> have)) {
                return false;
            }
            for (Map.Entry<?, ?> e : need.entrySet()) {
                if (!have.containsKey(e.getKey()) || !covers(have.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (required instanceof List<?> need) {
            if (!(granted instanceof List<?> have)) {
                return false;
            }
            return need.stream().allMatch(n -> have.stream().anyMatch(h -> covers(h, n)));
        }
        if (required instanceof Number n && granted instanceof Number h) {
            return new java.math.BigDecimal(n.toString()).compareTo(new java.math.BigDecimal(h.toString())) == 0;
        }
        return Objects.equals(granted, required);
    }
}
