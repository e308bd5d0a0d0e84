package dev.agentauth.core.internal;

import net.minidev.json.JSONObject;

/**
 * Slack OAuth v2 answers {@code {"ok": false, "error": "..."}} on failure, and nests the user token in
 * {@code authed_user} when user scopes were asked for. This maps both onto RFC 6749 §5.1 / §5.2 shapes.
 */
final class SlackResponses {

    private SlackResponses() {
    }

    static JSONObject normalize(JSONObject json) {
        if (Boolean.FALSE.equals(json.get("ok")) && json.get("error") instanceof String) {
            return json; // already an error shape the caller understands
        }
        JSONObject out = new JSONObject(json);
        if (json.get("authed_user") instanceof java.util.Map<?, ?> user && user.get("access_token") != null) {
            out.clear();
            user.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        // Slack's token types are "bot" and "user"; both are used as bearer tokens (RFC 6750).
        out.put("token_type", "Bearer");
        Object scope = out.get("scope");
        if (scope instanceof String s) {
            out.put("scope", s.replace(',', ' '));
        }
        return out;
    }
}
