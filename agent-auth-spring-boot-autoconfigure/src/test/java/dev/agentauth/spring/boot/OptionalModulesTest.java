package dev.agentauth.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.TokenStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The durable stores ({@code agent-auth-store-jdbc}) and the bearer filter ({@code agent-auth-verify}) are optional
 * for the auto-configuration: with them, {@code agent-auth.store.type} and {@code agent-auth.resource-server.*} work;
 * without them the application starts on the in-memory store, and asking for a durable store says what to add.
 */
class OptionalModulesTest {

    static final String[] RESOURCE_SERVER = {"agent-auth.resource-server.issuer=https://idp.example",
            "agent-auth.resource-server.audience=https://notes.example.com/mcp"};

    final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            AgentAuthAutoConfiguration.class));
    final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            AgentAuthAutoConfiguration.class, AgentAuthWebAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void storeTypeWhenStoreJdbcPresentThenTheEmbeddedStore() {
        runner.withPropertyValues("agent-auth.store.type=embedded", "agent-auth.store.directory=" + dir).run(context -> {
            assertThat(context).hasSingleBean(TokenStore.class);
            assertThat(context.getBean(TokenStore.class)).isInstanceOf(InterruptStore.class);
            assertThat(context.getBean(TokenStore.class).toString()).contains("embedded token store");
            assertThat(dir.resolve("keyset.json")).exists();
        });
    }

    @Test
    void storeTypeWhenStoreJdbcAbsentThenMemoryWorksAndADurableStoreSaysWhatToAdd() {
        ApplicationContextRunner withoutJdbc = runner.withClassLoader(new FilteredClassLoader("dev.agentauth.store.jdbc"));
        withoutJdbc.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(TokenStore.class).hasSingleBean(TokenBroker.class);
            assertThat(context.getBean(TokenStore.class).toString()).startsWith("InMemoryTokenStore");
        });
        withoutJdbc.withPropertyValues("agent-auth.store.type=postgres").run(context -> assertThat(context)
                .getFailure().rootCause().isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("agent-auth.store.type=postgres", "dev.agentauth:agent-auth-store-jdbc"));
    }

    @Test
    void resourceServerWhenVerifyPresentThenTheBearerFilterElseNoneAndTheApplicationStillStarts() {
        web.withPropertyValues(RESOURCE_SERVER).run(context -> assertThat(context)
                .hasBean("agentAuthBearerFilter").hasBean("agentAuthTokenVerifier"));
        web.withClassLoader(new FilteredClassLoader("dev.agentauth.verify")).withPropertyValues(RESOURCE_SERVER)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("agentAuthBearerFilter")
                        .hasSingleBean(TokenBroker.class));
    }
}
