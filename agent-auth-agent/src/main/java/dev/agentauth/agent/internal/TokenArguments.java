package dev.agentauth.agent.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The credential as a named argument of a tool's JSON arguments: appended without a parse when the arguments cannot
 * name it, put over whatever the model wrote under that name otherwise. Thread-safe (its one memo is written racily
 * and immutable); never logs, and its failures carry nothing of the arguments or the token.
 */
final class TokenArguments {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON member {@code "name":"value"} of the token last injected; a cached token is the same object each call. */
    private record Member(String name, String value, String json) {
        @Override
        public String toString() {
            return "Member[" + name + "]"; // never the token
        }
    }

    /** Written racily (its fields are final); a miss only costs building the member again. */
    private Member lastMember;

    private String member(String name, String value) {
        Member m = lastMember;
        if (m == null || m.value != value || !m.name.equals(name)) {
            m = new Member(name, value, quoted(name) + ":" + quoted(value));
            lastMember = m;
        }
        return m.json;
    }

    /** {@code arguments} with {@code "name":"value"}; the member is built once per token object (a cached token). */
    String inject(String arguments, String name, String value) {
        return injectArgument(arguments, name, value, member(name, value));
    }

    // The model may try to pass a value for the credential argument: it is always overwritten.
    static String injectArgument(String arguments, String name, String value) {
        return injectArgument(arguments, name, value, quoted(name) + ":" + quoted(value));
    }

    /** As above, with {@code member}: the JSON member {@code "name":"value"}. */
    private static String injectArgument(String arguments, String name, String value, String member) {
        String body = arguments == null ? "" : arguments.strip();
        // Fast path: an object that cannot name the argument — no backslash (so no escaped key) and the name nowhere
        // in it (quoted, single-quoted or bare) — gets the argument appended, with no parse and no re-serialization.
        // Anything else is parsed, and the argument put over whatever the model wrote.
        if (body.startsWith("{") && body.endsWith("}") && body.indexOf('\\') < 0 && !body.contains(name)) {
            int close = body.length() - 1;
            int first = 1;
            while (first < close && Character.isWhitespace(body.charAt(first))) {
                first++;
            }
            if (first >= close) {
                return "{" + member + "}";
            }
            int last = close - 1;
            while (Character.isWhitespace(body.charAt(last))) {
                last--;
            }
            if (looksLikeMembers(body.charAt(first), body.charAt(last))) {
                return new StringBuilder(last + member.length() + 3).append('{').append(body, first, last + 1)
                        .append(',').append(member).append('}').toString();
            }
        }
        Map<String, Object> map;
        try {
            map = body.isEmpty() ? new LinkedHashMap<>()
                    : JSON.readValue(body, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (Exception e) {
            throw new ToolResults.ToolFailure("The tool arguments are not a valid JSON object.");
        }
        map.put(name, value);
        try {
            return JSON.writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialize tool arguments", e);
        }
    }

    /** Members of a JSON object start with a quoted name; an inner text that does not is left to the parser. */
    private static boolean looksLikeMembers(char first, char last) {
        return first == '"' && last != ',';
    }

    /** {@code text} as a JSON string; a text with nothing to escape (a token, an argument name) is copied as is. */
    private static String quoted(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
            }
        }
        return '"' + text + '"';
    }
}
