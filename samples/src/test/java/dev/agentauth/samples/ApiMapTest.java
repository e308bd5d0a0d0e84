package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.TokenBroker;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.mcp.AuthenticatedMcpServer;
import dev.agentauth.store.jdbc.TokenStores;
import dev.agentauth.store.testkit.TokenStoreContract;
import dev.agentauth.verify.TokenVerifier;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's API map is the public API: every public type of the library modules outside their
 * {@code internal} packages, nested ones included, is named in it, and every name in it is a public type.
 */
class ApiMapTest {

    @Test
    void apiMapWhenComparedWithTheJarsThenEveryPublicTypeListedAndNothingElse() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("\n## API map");
        int end = readme.indexOf("\n## ", start + 5);
        assertThat(start).as("README has an API map section").isPositive();
        String map = readme.substring(start, end);

        TreeSet<String> publicTypes = new TreeSet<>();
        for (Class<?> anchor : List.of(TokenBroker.class, TokenStores.class, TokenStoreContract.class,
                TokenVerifier.class, dev.agentauth.agent.ConsentInterrupt.class,
                dev.agentauth.agent.testkit.AgentHarness.class,
                AuthenticatedAgent.class, dev.agentauth.springai.AuthenticatedChatClient.class,
                AuthenticatedMcpServer.class,
                dev.agentauth.spring.boot.AgentAuthAutoConfiguration.class)) {
            for (String name : classNames(anchor)) {
                if (name.contains(".internal.") || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, anchor.getClassLoader());
                if (isPublicApi(type)) {
                    publicTypes.add(type.getSimpleName());
                }
            }
        }
        TreeSet<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*)`").matcher(map);
        while (m.find()) {
            listed.add(m.group(1));
        }

        assertThat(publicTypes).as("public types").hasSizeGreaterThan(60);
        assertThat(listed).as("public types missing from the README's API map").containsAll(publicTypes);
        assertThat(publicTypes).as("names in the API map that are no public type").containsAll(listed);
    }

    /** Public, and every enclosing type public too; anonymous and local classes are not API. */
    static boolean isPublicApi(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /** Every class in the jar or directory {@code anchor} was loaded from. */
    static List<String> classNames(Class<?> anchor) throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".class")).forEach(f -> names.add(
                        root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "")));
            }
        } else {
            try (JarFile jar = new JarFile(root.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String n = e.nextElement().getName();
                    if (n.endsWith(".class") && !n.startsWith("META-INF")) {
                        names.add(n.replace('/', '.').replaceAll("\\.class$", ""));
                    }
                }
            }
        }
        return names;
    }
}
