package dev.agentauth.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token goes into the tool's arguments whatever the model wrote there: appended without a parse when the
 * arguments cannot name it, put over the model's own value when they can (literally, escaped, single-quoted), and the
 * result always parses to the model's arguments plus the real token.
 */
class InjectArgumentTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.e30.sig-\"quoted\"\\back";

    static JsonNode injected(String arguments) throws Exception {
        return JSON.readTree(TokenArguments.injectArgument(arguments, "token", TOKEN));
    }

    @Test
    void argumentsThatCannotNameTheTokenThenItIsAddedAndTheRestKept() throws Exception {
        JsonNode n = injected("{\"repository\":\"octo/cat\",\"page\":2,\"filter\":{\"state\":\"open\"}}");
        assertThat(n.path("token").asText()).isEqualTo(TOKEN);
        assertThat(n.path("repository").asText()).isEqualTo("octo/cat");
        assertThat(n.path("page").asInt()).isEqualTo(2);
        assertThat(n.path("filter").path("state").asText()).isEqualTo("open");
        assertThat(n.size()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "  { }  ", "", "   "})
    void emptyArgumentsThenOnlyTheToken(String arguments) throws Exception {
        JsonNode n = injected(arguments);
        assertThat(n.size()).isEqualTo(1);
        assertThat(n.path("token").asText()).isEqualTo(TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"token\":\"forged\",\"repository\":\"octo/cat\"}",
            "{\"repository\":\"octo/cat\",\"token\":\"forged\"}",
            "{\"\\u0074oken\":\"forged\",\"repository\":\"octo/cat\"}",
            "{\"repository\":\"octo/cat\",\"tok\\u0065n\":\"forged\"}",
            "{ \"token\" : \"forged\" , \"repository\" : \"octo/cat\" }"})
    void theModelsOwnTokenValueThenOverwritten(String arguments) throws Exception {
        JsonNode n = injected(arguments);
        assertThat(n.path("token").asText()).isEqualTo(TOKEN);
        assertThat(n.path("repository").asText()).isEqualTo("octo/cat");
        assertThat(n.toString()).doesNotContain("forged");
    }

    @Test
    void aValueThatMentionsTheNameThenKeptAndTheTokenStillSet() throws Exception {
        JsonNode n = injected("{\"note\":\"my token is not here\"}");
        assertThat(n.path("note").asText()).isEqualTo("my token is not here");
        assertThat(n.path("token").asText()).isEqualTo(TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eyJhbGciOiJSUzI1NiJ9.e30.c2ln-_~+/=", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "t\u00e9l\u00e9phone", "line\nbreak\ttab", "del\u007f", "sep\u2028arator", "with space"})
    void everyTokenTextThenTheArgumentsParseToExactlyIt(String token) throws Exception {
        for (String arguments : new String[] {"{\"page\":2}", " {\n \"page\" : 2 \n} ", "{}", ""}) {
            JsonNode n = JSON.readTree(TokenArguments.injectArgument(arguments, "token", token));
            assertThat(n.path("token").asText()).isEqualTo(token);
            assertThat(n.size()).isEqualTo(arguments.contains("page") ? 2 : 1);
        }
    }

    @Test
    void oneInjectorForManyTokensAndNamesThenEachCallGetsItsOwn() throws Exception {
        TokenArguments arguments = new TokenArguments();
        String alice = new String("alice-token");
        String bob = new String("bob-token");
        for (int i = 0; i < 3; i++) {
            assertThat(JSON.readTree(arguments.inject("{\"a\":1}", "token", alice)).path("token").asText())
                    .isEqualTo("alice-token");
            assertThat(JSON.readTree(arguments.inject("{\"a\":1}", "token", bob)).path("token").asText())
                    .isEqualTo("bob-token");
            assertThat(JSON.readTree(arguments.inject("{\"a\":1}", "key", bob)).path("key").asText())
                    .isEqualTo("bob-token");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"text\"", "{\"a\":", "not json"})
    void argumentsThatAreNoObjectThenAToolFailureWithoutTheToken(String arguments) {
        assertThatThrownBy(() -> TokenArguments.injectArgument(arguments, "token", TOKEN))
                .isInstanceOf(ToolResults.ToolFailure.class)
                .hasMessageNotContaining(TOKEN);
    }
}
