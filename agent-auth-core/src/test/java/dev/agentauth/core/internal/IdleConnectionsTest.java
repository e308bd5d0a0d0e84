package dev.agentauth.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping behind "this exchange went out on a reused connection": only certain when, whichever order the JDK
 * served the exchanges in, an idle connection was left for it. Network behaviour is in
 * {@code StaleConnectionRetryTest}; this is the arithmetic for concurrent exchanges, which a socket test cannot order.
 */
class IdleConnectionsTest {

    final IdleConnections.Origin origin = new IdleConnections.Origin();

    @Test
    void reusedWhenNoIdleConnectionThenFalse() {
        assertThat(origin.reused(origin.start(System.nanoTime()))).isFalse();
    }

    @Test
    void reusedWhenOneIdleAndAloneThenTrue() {
        origin.idle(System.nanoTime());
        assertThat(origin.reused(origin.start(System.nanoTime()))).isTrue();
    }

    @Test
    void reusedWhenOneIdleAndAnotherExchangeStartsMeanwhileThenNeitherIsCertain() {
        origin.idle(System.nanoTime());
        IdleConnections.Exchange a = origin.start(System.nanoTime());
        IdleConnections.Exchange b = origin.start(System.nanoTime());
        // the JDK may have served b first from the pool and opened a new connection for a
        assertThat(origin.reused(a)).isFalse();
        assertThat(origin.reused(b)).isFalse();
    }

    @Test
    void reusedWhenTwoIdleAndTwoExchangesThenBoth() {
        origin.idle(System.nanoTime());
        origin.idle(System.nanoTime());
        IdleConnections.Exchange a = origin.start(System.nanoTime());
        IdleConnections.Exchange b = origin.start(System.nanoTime());
        assertThat(origin.reused(a)).isTrue();
        assertThat(origin.reused(b)).isTrue();
    }

    @Test
    void reusedWhenIdleLongerThanTheKeepAliveLimitThenForgotten() {
        long then = System.nanoTime();
        origin.idle(then);
        assertThat(origin.reused(origin.start(then + java.util.concurrent.TimeUnit.MINUTES.toNanos(31)))).isFalse();
    }

    @Test
    void closedBeforeAnyByteWhenTheJdksNoBytesFailureThenTrueElseFalse() {
        assertThat(DefaultHttpTransport.closedBeforeAnyByte(new IOException("HTTP/1.1 header parser received no bytes",
                new EOFException("EOF reached while reading")))).isTrue();
        assertThat(DefaultHttpTransport.closedBeforeAnyByte(new IOException("HTTP/1.1 header parser received no bytes",
                new SocketException("Connection reset")))).isTrue();
        // part of a status line had arrived: the server was answering
        assertThat(DefaultHttpTransport.closedBeforeAnyByte(new IOException("parsing HTTP/1.1 status line, receiving"
                + " [HTTP/1.1 2], parser state [STATUS_LINE]", new EOFException()))).isFalse();
        assertThat(DefaultHttpTransport.closedBeforeAnyByte(new HttpTimeoutException("request timed out"))).isFalse();
        assertThat(DefaultHttpTransport.closedBeforeAnyByte(new IOException("received no bytes"))).isFalse();
    }
}
