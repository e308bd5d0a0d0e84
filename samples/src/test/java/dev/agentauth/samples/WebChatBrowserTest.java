package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web chat in real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}): sign in, a consent
 * card, the identity provider's login in a popup, the resumed answer, step-up consent, an M2M tool without a card, a
 * second user in another browser profile who sees only their own data, and disconnect. Screenshots of every open
 * browser go to {@code target/screenshots} when a test fails.
 */
@EnabledIf(value = "chromiumInstalled", disabledReason = "no Chromium at /usr/bin/chromium (or -Dchromium.binary):"
        + " the web chat's browser test is skipped; apt-get install chromium chromium-driver (.ci/run does)")
class WebChatBrowserTest {

    static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(60);   // 2 cores shared with other builds: be patient

    // Selenium 4.38 has no CDP bindings for Chromium 156 and says so at every start; the test needs none. Held
    // strongly: java.util.logging forgets the level of a logger nobody references.
    static final List<java.util.logging.Logger> SELENIUM_LOGS = List.of(
            java.util.logging.Logger.getLogger("org.openqa.selenium.devtools"),
            java.util.logging.Logger.getLogger("org.openqa.selenium.chromium"));

    static WebChat chat;
    final List<WebDriver> browsers = new ArrayList<>();

    // Runs before @AfterEach closes the browsers (a TestWatcher would run after).
    @RegisterExtension
    final AfterTestExecutionCallback screenshotsOnFailure = context -> {
        if (context.getExecutionException().isPresent()) {
            for (int i = 0; i < browsers.size(); i++) {
                for (String window : browsers.get(i).getWindowHandles()) {
                    browsers.get(i).switchTo().window(window);
                    screenshot(browsers.get(i), Path.of("target", "screenshots", context.getRequiredTestMethod()
                            .getName() + "-browser" + (i + 1) + "-" + Math.abs(window.hashCode()) + ".png"));
                }
            }
        }
    };

    @BeforeAll
    static void start() throws IOException {
        SELENIUM_LOGS.forEach(l -> l.setLevel(java.util.logging.Level.SEVERE));
        chat = WebChat.start(0, Map.of());                       // the built-in demo model, no environment
    }

    @AfterAll
    static void stop() {
        if (chat != null) {
            chat.close();
        }
    }

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(WebDriver::quit);   // after the watcher took its screenshots
    }

    @Test
    void chatWhenToolNeedsConsentThenCardPopupLoginAndResumedAnswerAndUsersIsolated() {
        WebDriver alice = browser();
        signIn(alice, "alice");
        assertThat(text(alice, "model")).contains("built-in demo model (rule-based, not an LLM)");

        // 1. A tool needs the notes API: a consent card, not an answer.
        send(alice, "list my notes");
        WebElement card = waitFor(alice, By.cssSelector(".message.card:not(.done)"));
        assertThat(card.findElement(By.className("provider")).getText()).isEqualTo("Demo identity provider");
        // What the tool wants and why, in words: the tool's description, the scope's description; no "openid".
        assertThat(card.findElement(By.className("why")).getText()).contains("List the user's notes");
        assertThat(card.findElement(By.className("scopes")).getText()).contains("Read your notes")
                .doesNotContain("openid");
        assertThat(card.findElement(By.className("meta")).getText()).contains("expires at");
        assertThat(card.findElement(By.className("decline")).getText()).isEqualTo("Not now");
        if (Boolean.getBoolean("docs.screenshot")) {
            ((JavascriptExecutor) alice).executeScript("window.scrollTo(0, 0)");
            screenshot(alice, Path.of("..", "docs", "web-chat-consent.png"));
        }

        // 2. Authorize: the identity provider's login in a popup; it closes itself; the turn resumes, no retyping.
        authorizeInPopup(alice, card, "alice", "{\"email\":\"alice@example.com\"}");
        assertThat(lastAgentMessage(alice)).isEqualTo("(no notes yet)");

        // 3. Writing needs notes.write too: a second card for the union of scopes (incremental consent).
        send(alice, "add a note: buy oat milk");
        WebElement stepUp = waitFor(alice, By.cssSelector(".message.card:not(.done)"));
        // The new scope apart from the one already allowed.
        assertThat(stepUp.findElement(By.cssSelector(".scopes li.new")).getText()).isEqualTo("Add notes for you");
        assertThat(stepUp.findElement(By.cssSelector(".scopes li.granted")).getText())
                .isEqualTo("Read your notes (already allowed)");
        // The account the step-up adds to, as the identity provider named it.
        assertThat(stepUp.findElement(By.className("meta")).getText()).contains("Connected as alice@example.com");
        assertThat(accounts(alice, "alice@example.com")).contains("Demo identity provider", "as alice@example.com");
        authorizeInPopup(alice, stepUp, "alice");
        assertThat(lastAgentMessage(alice)).isEqualTo("saved");

        // 4. Now granted: no card.
        send(alice, "list my notes");
        waitForAgentMessage(alice, 3);
        assertThat(lastAgentMessage(alice)).isEqualTo("buy oat milk");

        // 5. A machine-to-machine tool: the agent as itself, never a card.
        send(alice, "service status");
        waitForAgentMessage(alice, 4);
        assertThat(lastAgentMessage(alice)).contains("notes API up", "asked by demo-agent");
        assertThat(alice.findElements(By.cssSelector(".message.card"))).hasSize(2);

        // 6. An MCP server (the calendar, over Streamable HTTP): the same card, popup and resumed answer.
        send(alice, "what is on my calendar today");
        WebElement calendarCard = waitFor(alice, By.cssSelector(".message.card:not(.done)"));
        assertThat(calendarCard.findElement(By.className("scopes")).getText()).contains("Read your calendar");
        authorizeInPopup(alice, calendarCard, "alice");
        new WebDriverWait(alice, WAIT).until(b -> lastAgentMessage(b).contains("Calendar of alice today"));

        // 7. Connected accounts list the grant, without any token.
        assertThat(accounts(alice, "calendar.read")).contains("Demo identity provider", "notes.read", "notes.write");

        // 8. Bob, in another browser profile, has his own grant and sees only his own notes.
        WebDriver bob = browser();
        signIn(bob, "bob");
        assertThat(accounts(bob, "None yet.")).isEqualTo("None yet.");
        send(bob, "list my notes");
        WebElement bobsCard = waitFor(bob, By.cssSelector(".message.card:not(.done)"));
        String bobsInterrupt = bobsCard.getAttribute("data-interrupt");
        authorizeInPopup(bob, bobsCard, "bob");
        assertThat(lastAgentMessage(bob)).isEqualTo("(no notes yet)");

        // ... and alice cannot resume bob's interrupts, even with its id.
        send(alice, "list my notes");   // (answered from her grant)
        waitForAgentMessage(alice, 5);
        Object refused = ((JavascriptExecutor) alice).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "turn('/api/resume', {interruptId: arguments[0]}).then(a => done(a.type + ': ' + a.text));",
                bobsInterrupt);
        assertThat(refused.toString()).startsWith("error:");

        // 9. Disconnect: the grant is gone, and the next call asks again.
        // One row per provider, and disconnecting asks first: Cancel keeps the connection.
        assertThat(alice.findElements(By.cssSelector("#accounts li.account"))).hasSize(1);
        new WebDriverWait(alice, WAIT).ignoring(StaleElementReferenceException.class).until(b -> {
            b.findElement(By.cssSelector("#accounts li.account .disconnect")).click();   // re-rendered after answers
            b.findElement(By.cssSelector("#accounts li.account .cancel-disconnect")).click();
            return true;
        });
        assertThat(accounts(alice, "Demo identity provider")).contains("notes.read");
        new WebDriverWait(alice, WAIT).ignoring(StaleElementReferenceException.class).until(b -> {
            b.findElement(By.cssSelector("#accounts li.account .disconnect")).click();
            b.findElement(By.cssSelector("#accounts li.account .confirm-disconnect")).click();
            return true;
        });
        assertThat(accounts(alice, "None yet.")).isEqualTo("None yet.");
        send(alice, "list my notes");
        WebElement again = waitFor(alice, By.cssSelector(".message.card:not(.done)"));
        assertThat(again.findElement(By.className("provider")).getText()).isEqualTo("Demo identity provider");

        // 10. Not now: the consent is declined and the turn goes on, the tool telling the model so.
        int before = alice.findElements(By.cssSelector(".message.agent")).size();
        again.findElement(By.className("decline")).click();
        waitForAgentMessage(alice, before + 1);
        assertThat(lastAgentMessage(alice)).contains("declined to authorize Demo identity provider");

        // No token ever reached a page.
        for (WebDriver b : List.of(alice, bob)) {
            assertThat(b.getPageSource()).doesNotContainPattern("eyJ[A-Za-z0-9_-]{10,}\\.");
        }
        // Bob still has his connection; alice's disconnect was hers only.
        bob.navigate().refresh();
        assertThat(accounts(bob, "Demo identity provider")).contains("notes.read");
    }

    @Test
    void callbackWhenNotSignedInThenNothingRedeemed() {
        WebDriver stranger = browser();
        stranger.get(chat.uri().resolve("/oauth/callback?code=abc&state=xyz").toString());
        assertThat(waitFor(stranger, By.id("message")).getText()).contains("Sign in to the chat first");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    static boolean chromiumInstalled() {
        return Files.isExecutable(CHROMIUM);
    }

    WebDriver browser() {
        if (!Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("Chromium is installed but " + CHROMEDRIVER + " is not: apt-get install"
                    + " chromium-driver");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("chat-browser");   // a fresh profile: its own cookies
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1000,640");
        // The system chromedriver, never a download by Selenium Manager (no internet here): with the driver and the
        // browser both given, Selenium does not run its manager.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1000, 640));
        browsers.add(driver);
        return driver;
    }

    /**
     * At phone width: answers stream in, a card that appears after the chat has scrolled is wholly in view (its
     * buttons too), a reload restores the conversation and the open card, and the restored card still works. A
     * screenshot of the narrow page goes to {@code target/screenshots}.
     */
    @Test
    void phoneWidthWhenTheChatHasScrolledAndThePageReloadsThenTheCardIsInViewAndRestored() {
        WebDriver carol = browser();
        carol.manage().window().setSize(new org.openqa.selenium.Dimension(390, 780));
        signIn(carol, "carol");
        for (int i = 1; i <= 6; i++) {   // machine-to-machine answers, no card: enough to scroll the chat
            send(carol, "service status");
            waitForAgentMessage(carol, i);
        }
        assertThat(Integer.parseInt(carol.findElement(By.tagName("body")).getAttribute("data-tokens")))
                .as("answers arrive as streamed tokens").isGreaterThan(6);
        send(carol, "list my notes");
        WebElement card = waitFor(carol, By.cssSelector(".message.card:not(.done)"));
        String interrupt = card.getAttribute("data-interrupt");
        new WebDriverWait(carol, WAIT).until(b -> fullyInView(b, card.findElement(By.className("decline")))
                && fullyInView(b, card.findElement(By.className("authorize"))));
        assertThat(noHorizontalOverflow(carol)).isTrue();
        screenshot(carol, Path.of("target", "screenshots", "web-chat-phone-width.png"));

        carol.navigate().refresh();
        WebElement restored = waitFor(carol, By.cssSelector(".message.card:not(.done)"));
        assertThat(restored.getAttribute("data-interrupt")).isEqualTo(interrupt);
        assertThat(carol.findElements(By.cssSelector(".message.user"))).hasSize(7);
        assertThat(carol.findElements(By.cssSelector(".message.agent"))).hasSize(6);
        assertThat(restored.findElement(By.className("why")).getText()).contains("List the user's notes");
        new WebDriverWait(carol, WAIT).until(b -> fullyInView(b, restored.findElement(By.className("authorize"))));

        authorizeInPopup(carol, restored, "carol");
        assertThat(lastAgentMessage(carol)).isEqualTo("(no notes yet)");
        assertThat(noHorizontalOverflow(carol)).isTrue();

        // A provider with device codes (RFC 8628; the demo's own identity provider has none): the card shows the code
        // and where to enter it, and "I've approved" resumes. Rendered from an interrupt's JSON as the server sends it.
        ((JavascriptExecutor) carol).executeScript("card(JSON.parse(arguments[0]))", """
                {"type":"consent_interrupt","id":"device-demo","user":"carol","agent":"default","consents":[
                {"consentId":"c1","provider":"sso","providerDisplayName":"Company SSO","scopes":["openid"],
                "scopeDetails":[],"connectedAccount":null,"authorizationUrl":"https://sso.example.com/device?user_code=WDJB-MJHT",
                "expiresAt":"2030-01-01T00:00:00Z","userCode":"WDJB-MJHT","verificationUri":"https://sso.example.com/device",
                "verificationUriComplete":"https://sso.example.com/device?user_code=WDJB-MJHT"}],
                "waitingToolCalls":[{"id":"t1","toolName":"whoAmI","provider":"sso","toolDescription":"Who am I"}],
                "expiresAt":"2030-01-01T00:00:00Z"}""");
        WebElement device = waitFor(carol, By.cssSelector(".message.card[data-interrupt='device-demo']"));
        assertThat(device.findElement(By.className("user-code")).getText()).isEqualTo("WDJB-MJHT");
        assertThat(device.findElement(By.cssSelector(".device-code a")).getAttribute("href"))
                .isEqualTo("https://sso.example.com/device?user_code=WDJB-MJHT");
        assertThat(device.findElement(By.className("authorize")).getText()).isEqualTo("I've approved");
        new WebDriverWait(carol, WAIT).until(b -> fullyInView(b, device.findElement(By.className("authorize"))));
    }

    /** Whether {@code e} is wholly inside the window and inside the chat's scrolling message list. */
    static boolean fullyInView(WebDriver browser, WebElement e) {
        Object inside = ((JavascriptExecutor) browser).executeScript("""
                const r = arguments[0].getBoundingClientRect();
                const box = document.getElementById('messages').getBoundingClientRect();
                return r.top >= 0 && r.bottom <= window.innerHeight && r.top >= box.top - 1
                    && r.bottom <= box.bottom + 1 && r.left >= 0 && r.right <= window.innerWidth;""", e);
        return Boolean.TRUE.equals(inside);
    }

    static boolean noHorizontalOverflow(WebDriver browser) {
        return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth <= window.innerWidth;"));
    }

    static void signIn(WebDriver browser, String user) {
        browser.get(chat.uri().toString());
        waitFor(browser, By.id("name")).sendKeys(user);
        browser.findElement(By.id("sign-in")).click();
        waitFor(browser, By.id("input"));
        new WebDriverWait(browser, WAIT).until(b -> text(b, "who").contains(user));
    }

    static void send(WebDriver browser, String message) {
        WebElement input = new WebDriverWait(browser, WAIT).until(ExpectedConditions.elementToBeClickable(By.id(
                "input")));
        input.sendKeys(message);
        browser.findElement(By.id("send")).click();
        new WebDriverWait(browser, WAIT).until(b -> b.findElements(By.cssSelector(".message.user")).stream()
                .anyMatch(e -> e.getText().equals(message)));
    }

    /** Clicks Authorize, signs in as {@code user} in the popup, and waits until it has closed and the turn resumed. */
    static void authorizeInPopup(WebDriver browser, WebElement card, String user) {
        authorizeInPopup(browser, card, user, null);
    }

    /** {@link #authorizeInPopup(WebDriver, WebElement, String)}, the identity provider adding {@code claims}. */
    static void authorizeInPopup(WebDriver browser, WebElement card, String user, String claims) {
        String chatWindow = browser.getWindowHandle();
        Set<String> before = browser.getWindowHandles();
        int answers = browser.findElements(By.cssSelector(".message.agent")).size();
        card.findElement(By.className("authorize")).click();
        String popup = new WebDriverWait(browser, WAIT).until(b -> b.getWindowHandles().stream()
                .filter(h -> !before.contains(h)).findFirst().orElse(null));
        browser.switchTo().window(popup);
        waitFor(browser, By.name("username")).sendKeys(user);
        if (claims != null) {
            browser.findElement(By.name("claims")).sendKeys(claims);
        }
        browser.findElement(By.cssSelector("input[type=submit]")).click();
        new WebDriverWait(browser, WAIT).until(b -> !b.getWindowHandles().contains(popup));   // closed itself
        browser.switchTo().window(chatWindow);
        waitForAgentMessage(browser, answers + 1);
        new WebDriverWait(browser, WAIT).until(b -> card.getAttribute("class").contains("done"));
    }

    static void waitForAgentMessage(WebDriver browser, int count) {
        new WebDriverWait(browser, WAIT).until(b -> b.findElements(By.cssSelector(".message.agent")).size() >= count);
    }

    static String lastAgentMessage(WebDriver browser) {
        List<WebElement> answers = browser.findElements(By.cssSelector(".message.agent"));
        return answers.get(answers.size() - 1).getText();
    }

    /** The connected accounts panel's text, once it contains {@code expected}. */
    static String accounts(WebDriver browser, String expected) {
        return new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(b -> {
            String text = b.findElement(By.id("accounts")).getText();
            return text.contains(expected) ? text : null;
        });
    }

    static WebElement waitFor(WebDriver browser, By by) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    static String text(WebDriver browser, String id) {
        return browser.findElement(By.id(id)).getText();
    }

    static void screenshot(WebDriver browser, Path target) {
        try {
            Files.createDirectories(target.getParent());
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            System.err.println("no screenshot " + target + ": " + e);
        }
    }

}
