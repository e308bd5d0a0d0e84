package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of README.md (and of the pages under docs/) compiles, on Java 17, against the project's modules:
 * the manual cannot drift from the code. A block is compiled as it stands when it declares a type; a block of statements is compiled as the body
 * of a method. Such a block may name what it takes from the text around it in an HTML comment just before it —
 * {@code <!-- given: TokenBroker broker, ChatModel model -->} — which become the method's parameters (the block's own
 * imports resolve their types). Nothing else is added: no import, no declaration.
 */
class ReadmeSnippetsTest {

    static final Pattern BLOCK = Pattern.compile("(?:<!-- given: ([^\\n]*?) -->\\s*?\\n)?([ \\t]*)```java\\n(.*?)```",
            Pattern.DOTALL);
    static final Pattern TYPE = Pattern.compile("(?m)^(?:@\\w+(?:\\([^)]*\\))?\\s+)*(?:public\\s+|final\\s+|abstract\\s+)*"
            + "(?:class|interface|record|enum)\\s+(\\w+)");
    static final Pattern PUBLIC_TYPE = Pattern.compile("(?m)^(?:@\\w+(?:\\([^)]*\\))?\\s+)*public\\s+(?:final\\s+|abstract\\s+)*"
            + "(?:class|interface|record|enum)\\s+(\\w+)");

    record Snippet(int number, int line, String given, String code) {
    }

    static List<Snippet> snippets(String readme) {
        List<Snippet> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            int line = readme.substring(0, m.start(3)).split("\n", -1).length;
            // A block inside a list item is indented: the fence's indentation is not part of the code.
            String indent = m.group(2);
            StringBuilder code = new StringBuilder();
            for (String l : m.group(3).split("\n", -1)) {
                code.append(l.startsWith(indent) ? l.substring(indent.length()) : l.strip()).append('\n');
            }
            out.add(new Snippet(out.size() + 1, line, m.group(1), code.toString().stripTrailing() + "\n"));
        }
        return out;
    }

    /** The compilation unit of a snippet: as it stands, or its statements as a method body. */
    static String unit(Snippet s, String className) {
        if (TYPE.matcher(s.code()).find()) {
            return s.code();
        }
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : s.code().split("\n", -1)) {
            if (line.startsWith("import ")) {
                imports.append(line).append('\n');
            } else {
                body.append("        ").append(line).append('\n');
            }
        }
        return imports + "\nclass " + className + " {\n    @SuppressWarnings(\"unused\")\n    void snippet("
                + (s.given() == null ? "" : s.given().strip()) + ") throws Exception {\n" + body + "    }\n}\n";
    }

    /** Compiles one snippet; why it does not compile, or {@code null}. */
    static String compile(Snippet s, Path dir) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        // Each block on its own: blocks never see each other's declarations.
        Path src = Files.createDirectories(dir.resolve("snippet" + s.number()));
        Matcher pub = PUBLIC_TYPE.matcher(s.code());
        String name = pub.find() ? pub.group(1) : "ReadmeSnippet" + s.number();
        Path file = src.resolve(name + ".java");
        Files.writeString(file, unit(s, name), StandardCharsets.UTF_8);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            boolean ok = compiler.getTask(new StringWriter(), files, diagnostics, List.of("--release", "17",
                    "-proc:none", "-classpath", System.getProperty("java.class.path"), "-d",
                    Files.createDirectories(dir.resolve("classes" + s.number())).toString()), null,
                    files.getJavaFileObjects(file)).call();
            if (ok) {
                return null;
            }
            StringBuilder why = new StringBuilder("README.md block " + s.number() + " (line " + s.line()
                    + ") does not compile:");
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    why.append("\n  ").append(d.getMessage(Locale.ROOT)).append(" [snippet line ")
                            .append(d.getLineNumber()).append(']');
                }
            }
            return why.toString();
        }
    }

    @Test
    void everyJavaBlockOfTheReadmeCompilesAgainstTheModulesOnJava17(@TempDir Path dir) throws IOException {
        List<String> failures = new ArrayList<>();
        int blocks = 0;
        // The manual and the reference pages it links to.
        List<Path> pages = new ArrayList<>(List.of(Path.of("..", "README.md")));
        try (var docs = Files.list(Path.of("..", "docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        for (Path page : pages) {
            List<Snippet> snippets = snippets(Files.readString(page));
            blocks += snippets.size();
            Path pageDir = Files.createDirectories(dir.resolve(page.getFileName().toString()));
            for (Snippet s : snippets) {
                String failure = compile(s, pageDir);
                if (failure != null) {
                    failures.add(failure.replace("README.md block", page.getFileName() + " block"));
                }
            }
        }
        assertThat(blocks).as("the manual has Java blocks").isGreaterThan(25);
        assertThat(failures).as(String.join("\n\n", failures)).isEmpty();
    }

    /** The harness itself: givens become parameters, and a block that does not compile is reported. */
    @Test
    void aBlockThatDoesNotCompileIsReportedWithItsLine(@TempDir Path dir) throws IOException {
        List<Snippet> s = snippets("text\n<!-- given: String name -->\n```java\nint n = name.length();\n```\n"
                + "```java\nclass A { void f() { undefined(); } }\n```\n"
                + "```java\nswitch (args()) { case String t -> t.length(); default -> 0; }\n```\n");
        assertThat(s).hasSize(3);
        assertThat(compile(s.get(0), dir)).isNull();
        assertThat(compile(s.get(1), dir)).contains("block 2 (line 7)", "undefined");
        assertThat(compile(s.get(2), dir)).as("a pattern switch is a preview feature on 17").isNotNull();
    }
}
