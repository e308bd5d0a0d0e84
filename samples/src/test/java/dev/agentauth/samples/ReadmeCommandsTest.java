package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sample commands {@code .ci/run} proves from an empty Maven repository are the ones the README shows, word for
 * word, and no page still shows the form that needed an earlier {@code mvn install}.
 */
class ReadmeCommandsTest {

    /** The commands of {@code .ci/run}'s {@code ready_check} lines (the line after {@code -- \}). */
    static List<String> checkedCommands() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", ".ci", "run"));
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).contains("ready_check ") && lines.get(i).endsWith("-- \\")) {
                commands.add(lines.get(i + 1).strip());
            }
        }
        return commands;
    }

    @Test
    void everySampleCommandCiRunsIsShownInTheReadmeAsItRuns() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> commands = checkedCommands();

        assertThat(commands).as("the web chat, the terminal chat, the tour, the Spring Boot and Spring AI samples")
                .hasSize(5);
        assertThat(commands).allSatisfy(c -> assertThat(readme).contains(c));
        assertThat(commands).contains("mvn -B -q -pl samples -am compile -Pdemo",
                "mvn -B -q -pl samples-spring-boot -am compile -Pdemo",
                "mvn -B -q -pl samples-spring-ai -am compile -Pdemo");
    }

    @Test
    void noPageShowsACommandLineExecGoal() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("..", "README.md")));
        try (var docs = Files.list(Path.of("..", "docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        for (Path page : pages) {
            // exec:java named on the command line runs in every module of the -am reactor and resolves their test
            // class paths, which need agent-auth-core's test jar: absent from a fresh machine's repository.
            assertThat(Files.readString(page)).as(page.toString()).doesNotContain("compile exec:java");
        }
    }
}
