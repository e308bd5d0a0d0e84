package dev.agentauth.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Records every log event while open. {@link #projectLines()} are the project's messages and their causes';
 * {@link #everything()} turns every logger to TRACE, the JDK's own ({@code java.util.logging}, and through it
 * {@code System.Logger}: the HTTP client and server, {@code sun.net.www}) bridged in, and {@link #allLines()} returns
 * what any logger wrote, with the logger's name.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level rootLevel;
    private final java.util.logging.Level julLevel;
    private final boolean everything;

    private LogCapture(boolean everything) {
        this.everything = everything;
        this.rootLevel = root.getLevel();
        this.julLevel = java.util.logging.Logger.getLogger("").getLevel();
        appender.start();
        root.addAppender(appender);
        if (everything) {
            root.setLevel(Level.TRACE);
            ((Logger) LoggerFactory.getLogger("dev.agentauth")).setLevel(Level.TRACE);
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.ALL);
        }
    }

    /** The project's loggers, at the levels of the test configuration. */
    public static LogCapture start() {
        return new LogCapture(false);
    }

    /** Every logger of the JVM at TRACE, JDK loggers included. */
    public static LogCapture everything() {
        return new LogCapture(true);
    }

    /** Every formatted message (and throwable message) logged by the project's loggers so far. */
    public List<String> projectLines() {
        return lines(true);
    }

    /** Every formatted message and throwable message of any logger so far, each prefixed by its logger's name. */
    public List<String> allLines() {
        return lines(false);
    }

    /**
     * Whether a line of {@link #allLines()} is not the project's doing: the identity provider's own (it stands for a
     * third party and logs what it issues), and the JDK HTTP client's lines for a scripted browser's requests, whose
     * URLs carry the state and the code as any browser's do. The project itself requests neither of those URLs.
     */
    public static boolean notTheProject(String line) {
        return line.startsWith("no.nav.") || line.startsWith("mockwebserver3.") || line.startsWith("okhttp3.")
                || line.startsWith("io.netty.") || (line.startsWith("jdk.internal.httpclient.debug: ")
                && (line.contains("/authorize?") || line.contains("/callback?")));
    }

    /** The project's log lines at WARN or above. */
    public List<String> projectWarnings() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            if (e.getLoggerName().startsWith("dev.agentauth") && e.getLevel().isGreaterOrEqual(Level.WARN)) {
                lines.add(e.getFormattedMessage());
            }
        }
        return lines;
    }

    /** How many events any logger produced: a capture that saw nothing proves nothing. */
    public int eventCount() {
        return appender.list.size();
    }

    private List<String> lines(boolean projectOnly) {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            if (projectOnly && !e.getLoggerName().startsWith("dev.agentauth")) {
                continue;
            }
            String prefix = projectOnly ? "" : e.getLoggerName() + ": ";
            lines.add(prefix + e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                lines.add(prefix + t.getMessage());
            }
        }
        return lines;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        if (everything) {
            root.setLevel(rootLevel);
            SLF4JBridgeHandler.uninstall();
            java.util.logging.Logger.getLogger("").setLevel(julLevel);
        }
    }
}
