package dev.agentauth.store.jdbc;

import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.StoreUnavailableException;
import dev.agentauth.core.store.ConsentOutcome;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.InterruptClaim;
import dev.agentauth.core.store.InterruptStore;
import dev.agentauth.core.store.PendingConsent;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.core.store.TokenStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A {@link TokenStore} and {@link InterruptStore} on a JDBC database: H2 for the embedded default, PostgreSQL for
 * replicas. One table per kind of row ({@link JdbcGrants}, {@link JdbcConsents}, {@link JdbcInterrupts}); secrets are
 * Tink ciphertexts bound to their row, and every row carries a seal over the columns that say whose or what it is
 * ({@link RowSeal}), so a row edited in the database is refused rather than served to the wrong user. Connections,
 * timeouts and the cross-replica grant lock are {@link JdbcConnections}'. Thread-safe.
 */
final class JdbcTokenStore implements TokenStore, InterruptStore {

    private final JdbcConnections db;
    private final Dialect dialect;
    private final TokenEncryption encryption;
    private final String description;
    private final AutoCloseable resource;
    private final JdbcGrants grants;
    private final JdbcConsents consents;
    private final JdbcInterrupts interrupts;

    /**
     * @param description      names the store in messages, e.g. "PostgreSQL token store at db:5432/agents"
     * @param advice           what to do when it is unreachable
     * @param statementTimeout the bound of every call but the grant lock's wait
     * @param resource         closed by {@link #close()} (the pool), or {@code null}
     */
    JdbcTokenStore(DataSource dataSource, Dialect dialect, TokenEncryption encryption, String description,
                   String advice, Duration lockTimeout, Duration statementTimeout, AutoCloseable resource) {
        this.db = new JdbcConnections(dataSource, dialect, description, advice, lockTimeout, statementTimeout);
        this.dialect = dialect;
        this.encryption = encryption;
        this.description = description;
        this.resource = resource;
        this.grants = new JdbcGrants(db, dialect, encryption, description);
        this.consents = new JdbcConsents(db, dialect, encryption, grants, description);
        this.interrupts = new JdbcInterrupts(db, dialect, encryption, description);
    }

    /** Creates or migrates the schema; version 5 seals the rows written before it. */
    void migrate(Clock clock) {
        db.run("schema migration", db.migrationTimeoutMillis(), c -> Schema.migrate(c, dialect, clock, description, connection -> {
            grants.sealExisting(connection);
            consents.sealExisting(connection);
            interrupts.sealExisting(connection);
        }));
    }

    // ------------------------------------------------------------------------------------------------------ grants

    @Override
    public Optional<StoredGrant> find(GrantKey key) {
        return grants.find(key);
    }

    @Override
    public void save(StoredGrant grant) {
        grants.save(grant);
    }

    @Override
    public boolean delete(GrantKey key) {
        return grants.delete(key);
    }

    @Override
    public List<StoredGrant> findByUser(String user) {
        return grants.findByUser(user);
    }

    @Override
    public int deleteUnverifiable(String user, ProviderId provider) {
        return grants.deleteUnverifiable(user, provider);
    }

    @Override
    public <T> T withGrantLock(GrantKey key, Supplier<T> work) {
        return db.withGrantLock(key, work);
    }

    @Override
    public Optional<Instant> beginRefresh(GrantKey key, Instant now) {
        return grants.beginRefresh(key, now);
    }

    @Override
    public void endRefresh(GrantKey key) {
        grants.endRefresh(key);
    }

    // ---------------------------------------------------------------------------------------------------- consents

    @Override
    public void saveConsent(PendingConsent consent) {
        consents.save(consent);
    }

    @Override
    public Optional<PendingConsent> claimConsent(String stateDigest, String claimant, Instant now, Instant until) {
        return consents.claim(stateDigest, claimant, now, until);
    }

    @Override
    public void releaseConsent(String stateDigest, String claimant, Instant nextPollAt, Duration pollInterval) {
        consents.release(stateDigest, claimant, nextPollAt, pollInterval);
    }

    @Override
    public void completeConsent(PendingConsent consent, StoredGrant grant, ConsentOutcome outcome) {
        consents.complete(consent, grant, outcome);
    }

    @Override
    public List<PendingConsent> dueDeviceConsents(Instant now, int limit) {
        return consents.dueDevices(now, limit);
    }

    @Override
    public Optional<PendingConsent> findConsent(ConsentId id) {
        return consents.find(id);
    }

    @Override
    public int purgeExpiredConsents(Instant now) {
        return consents.purge(now);
    }

    @Override
    public void saveConsentOutcome(ConsentOutcome outcome) {
        consents.saveOutcome(outcome);
    }

    @Override
    public Optional<ConsentOutcome> findConsentOutcome(ConsentId id) {
        return consents.findOutcome(id);
    }

    // -------------------------------------------------------------------------------------------------- interrupts

    @Override
    public void saveInterrupt(StoredInterrupt interrupt) {
        interrupts.save(interrupt);
    }

    @Override
    public Optional<StoredInterrupt> findInterrupt(String id) {
        return interrupts.find(id);
    }

    @Override
    public Optional<InterruptClaim> claimInterrupt(String id, String owner, Instant now, Instant leaseUntil) {
        return interrupts.claim(id, owner, now, leaseUntil);
    }

    @Override
    public boolean renewInterrupt(InterruptClaim claim, Instant leaseUntil, String progress) {
        return interrupts.renew(claim, leaseUntil, progress);
    }

    @Override
    public boolean finishInterrupt(InterruptClaim claim) {
        return interrupts.end(claim, StoredInterrupt.State.DONE);
    }

    @Override
    public boolean releaseInterrupt(InterruptClaim claim) {
        return interrupts.end(claim, StoredInterrupt.State.OPEN);
    }

    @Override
    public List<StoredInterrupt> findInterruptsByUser(String user) {
        return interrupts.findByUser(user);
    }

    @Override
    public int purgeExpiredInterrupts(Instant now) {
        return interrupts.purge(now);
    }

    @Override
    public boolean sharedAcrossProcesses() {
        return dialect == Dialect.POSTGRES;
    }

    @Override
    public void close() {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new StoreUnavailableException(description + ": closing failed ("
                        + e.getClass().getSimpleName() + ")", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcTokenStore[" + description + ", schema version " + Schema.LATEST + ", " + encryption + "]";
    }
}
