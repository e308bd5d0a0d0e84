package dev.agentauth.agent.testkit;

import dev.agentauth.core.testing.DemoApi;
import dev.agentauth.core.testing.TestIdp;

/**
 * The real parts every contract test talks to, started once per test JVM and stopped when it exits: the identity
 * provider (mock-oauth2-server with its login form, on a random loopback port) and the notes API that verifies its
 * JWTs. Each test builds brokers and agents of its own on them.
 */
final class Fixtures {

    private static Fixtures shared;

    final TestIdp idp;
    final DemoApi api;

    private Fixtures(TestIdp idp, DemoApi api) {
        this.idp = idp;
        this.api = api;
    }

    static synchronized Fixtures shared() {
        if (shared == null) {
            TestIdp idp = TestIdp.start();
            DemoApi api = DemoApi.start(idp.server().jwksUrl(TestIdp.ISSUER_ID).toString());
            shared = new Fixtures(idp, api);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                api.close();
                idp.close();
            }, "agent-contract-fixtures"));
        }
        return shared;
    }
}
