package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What publishing to Maven Central needs, checked on every build: the BOM names every library module at the
 * project's version and inherits nothing, and the POMs carry a license, SCM, developers and a URL. (The sources and
 * Javadoc jars are built by {@code verify} itself; a Javadoc error fails it.)
 */
class PublishingTest {

    static Document pom(Path path) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(path.toFile());
    }

    static List<String> texts(Element parent, String tag) {
        List<String> out = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().strip());
        }
        return out;
    }

    static String child(Element parent, String tag) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }

    @Test
    void bomListsEveryLibraryModuleAtTheProjectVersionAndHasNoParent() throws Exception {
        Element parent = pom(Path.of("..", "pom.xml")).getDocumentElement();
        Element bom = pom(Path.of("..", "agent-auth-bom", "pom.xml")).getDocumentElement();
        List<String> libraries = new ArrayList<>();
        for (String module : texts(parent, "module")) {
            if (module.startsWith("agent-auth-") && !module.equals("agent-auth-bom")) {
                libraries.add(module);
            }
        }
        assertThat(libraries).contains("agent-auth-core", "agent-auth-store-jdbc", "agent-auth-store-testkit",
                "agent-auth-verify", "agent-auth-agent", "agent-auth-agent-testkit", "agent-auth-langchain4j",
                "agent-auth-spring-ai",
                "agent-auth-mcp", "agent-auth-spring-boot-autoconfigure", "agent-auth-spring-boot-starter");
        assertThat(bom.getElementsByTagName("parent").getLength()).as("imports bring agent-auth only").isZero();
        assertThat(child(bom, "version")).isEqualTo(child(parent, "version"));
        Element managed = (Element) bom.getElementsByTagName("dependencyManagement").item(0);
        assertThat(texts(managed, "artifactId")).containsExactlyInAnyOrderElementsOf(libraries);
        assertThat(texts(managed, "version")).allMatch("${project.version}"::equals);
    }

    @Test
    void everyPublishedPomCarriesLicenseScmDevelopersAndUrl() throws Exception {
        for (Path pom : List.of(Path.of("..", "pom.xml"), Path.of("..", "agent-auth-bom", "pom.xml"))) {
            Element root = pom(pom).getDocumentElement();
            assertThat(child(root, "url")).as(pom + " url").startsWith("https://");
            assertThat(child(root, "description")).as(pom + " description").isNotBlank();
            assertThat(texts(root, "license")).as(pom + " license").isNotEmpty();
            assertThat(texts(root, "connection")).as(pom + " scm").singleElement().asString().startsWith("scm:git:");
            assertThat(texts(root, "developer")).as(pom + " developers").isNotEmpty();
        }
        assertThat(Files.readString(Path.of("..", "LICENSE"))).contains("Apache License", "Version 2.0");
        for (String module : List.of("agent-auth-core", "agent-auth-store-jdbc", "agent-auth-store-testkit",
                "agent-auth-verify", "agent-auth-agent", "agent-auth-agent-testkit", "agent-auth-langchain4j",
                "agent-auth-spring-ai",
                "agent-auth-mcp", "agent-auth-spring-boot-autoconfigure", "agent-auth-spring-boot-starter")) {
            Element root = pom(Path.of("..", module, "pom.xml")).getDocumentElement();
            assertThat(child(root, "name")).as(module).isNotBlank();
            assertThat(child(root, "description")).as(module).isNotBlank();
        }
    }
}
