package dev.agentauth.core;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An immutable, sorted set of OAuth scope tokens (RFC 6749 §3.3).
 *
 * <p>A grant whose scopes {@link #containsAll(Scopes) contain} the requested ones satisfies the request; a narrower
 * grant leads to consent for the {@link #union(Scopes) union} (incremental consent). Immutable and thread-safe.
 *
 * @param values the scope tokens, sorted
 */
public record Scopes(Set<String> values) implements Iterable<String> {

    /** No scopes. */
    public static final Scopes NONE = new Scopes(Set.of());

    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    private static final Pattern TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    public Scopes {
        Objects.requireNonNull(values, "values");
        TreeSet<String> sorted = new TreeSet<>();
        for (String v : values) {
            if (v == null || !TOKEN.matcher(v).matches()) {
                throw new IllegalArgumentException("'" + v + "' is not a valid scope token (RFC 6749 §3.3)");
            }
            sorted.add(v);
        }
        values = new SortedScopeSet(sorted.toArray(String[]::new));
    }

    /** Canonical instances for the first argument lists asked for (see {@link #of(String...)}). */
    private static final java.util.concurrent.ConcurrentHashMap<java.util.List<String>, Scopes> CANONICAL =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CANONICAL_MAX = 256;

    /**
     * The given scope tokens: for the first 256 distinct argument lists (the scopes of annotations, constants and
     * configuration), one shared instance each, so that a request built per call neither validates its scopes again
     * nor carries a set of its own.
     */
    public static Scopes of(String... values) {
        if (values.length == 0) {
            return NONE;
        }
        java.util.List<String> key = java.util.List.of(values); // a copy: the caller may reuse its array
        Scopes known = CANONICAL.get(key);
        if (known != null) {
            return known;
        }
        Scopes scopes = new Scopes(Set.copyOf(Arrays.asList(values)));
        if (CANONICAL.size() < CANONICAL_MAX) {
            Scopes raced = CANONICAL.putIfAbsent(key, scopes);
            return raced != null ? raced : scopes;
        }
        return scopes;
    }

    /** The given scope tokens. */
    public static Scopes of(Collection<String> values) {
        return values.isEmpty() ? NONE : new Scopes(new TreeSet<>(values));
    }

    /**
     * Parses a delimited scope string, as found in token responses ({@code "read write"}) or in provider quirks
     * ({@code "read,write"} for Slack). Blank input gives {@link #NONE}.
     */
    public static Scopes parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        TreeSet<String> set = new TreeSet<>();
        for (String part : text.trim().split("[\\s,]+")) {
            if (!part.isEmpty()) {
                set.add(part);
            }
        }
        return new Scopes(set);
    }

    /** Whether every scope in {@code other} is in this set. Allocates nothing: it runs on the cached-token path. */
    public boolean containsAll(Scopes other) {
        String[] wanted = ((SortedScopeSet) other.values).tokens;
        SortedScopeSet mine = (SortedScopeSet) values;
        for (String token : wanted) {
            if (!mine.contains(token)) {
                return false;
            }
        }
        return true;
    }

    /** Every scope in this set or in {@code other}. */
    public Scopes union(Scopes other) {
        if (containsAll(other)) {
            return this;
        }
        TreeSet<String> set = new TreeSet<>(values);
        set.addAll(other.values);
        return new Scopes(set);
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The scopes joined by {@code delimiter}, e.g. {@code " "} for RFC 6749. */
    public String join(String delimiter) {
        return String.join(delimiter, values);
    }

    @Override
    public Iterator<String> iterator() {
        return values.iterator();
    }

    @Override
    public String toString() {
        return join(" ");
    }

    /** Written out rather than generated: on the broker's per-call path the generated form calls through {@code Objects}. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Scopes other && ((SortedScopeSet) values).sameTokens((SortedScopeSet) other.values);
    }

    @Override
    public int hashCode() {
        return ((SortedScopeSet) values).hash;
    }

    /**
     * An immutable set of scope tokens as a sorted array: {@code contains} is a binary search and the hash is computed
     * once, so the cached-token path (which compares scopes and hashes requests) allocates nothing.
     */
    private static final class SortedScopeSet extends AbstractSet<String> {
        private final String[] tokens;
        private final int hash;

        SortedScopeSet(String[] sortedTokens) {
            this.tokens = sortedTokens;
            int h = 0;
            for (String t : sortedTokens) {
                h += t.hashCode(); // as AbstractSet.hashCode: equal sets hash alike, whatever their class
            }
            this.hash = h;
        }

        @Override
        public boolean contains(Object o) {
            return o instanceof String s && Arrays.binarySearch(tokens, s) >= 0;
        }

        @Override
        public Iterator<String> iterator() {
            return Collections.unmodifiableList(Arrays.asList(tokens)).iterator();
        }

        @Override
        public int size() {
            return tokens.length;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            if (o instanceof SortedScopeSet other) {
                return sameTokens(other);
            }
            return super.equals(o);
        }

        boolean sameTokens(SortedScopeSet other) {
            if (other == this) {
                return true;
            }
            String[] theirs = other.tokens;
            if (hash != other.hash || tokens.length != theirs.length) {
                return false;
            }
            for (int i = 0; i < tokens.length; i++) {
                if (!tokens[i].equals(theirs[i])) {
                    return false;
                }
            }
            return true;
        }
    }
}
