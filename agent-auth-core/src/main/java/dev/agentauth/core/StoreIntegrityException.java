package dev.agentauth.core;

/**
 * A stored row failed its integrity check: a column that says whose or what the row is (user, agent, provider, flow,
 * scopes, interrupt owner) no longer matches what the store sealed when it wrote the row, or the row's sealed secrets
 * do not decrypt. The row was edited in the database after agent-auth wrote it, copied from another row, or written
 * with a key that is no longer in the keyset.
 *
 * <p>The row is never served: the broker treats it as absent for the caller it was asked for (a user is asked to
 * connect again, an agent token is obtained anew and replaces the row), leaves it out of listings, and removes it when
 * its user disconnects. Only that row is affected; {@link #retryable()} is {@code false}. The message names the store,
 * the table and the row id, never a secret or a value read from the row.
 *
 * @since 0.3.0
 */
public class StoreIntegrityException extends AgentAuthException {

    private static final long serialVersionUID = 1L;

    private final String table;
    private final String rowId;

    public StoreIntegrityException(String message, String table, String rowId, ProviderId provider,
                                   Principal principal) {
        super(message, provider, principal, null, false, null);
        this.table = table;
        this.rowId = rowId;
    }

    /** The table (or collection) of the row that failed its check. */
    public String table() {
        return table;
    }

    /** The row's id in that table (a digest or a random id; never a secret). */
    public String rowId() {
        return rowId;
    }
}
