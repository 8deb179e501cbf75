//! What can go wrong in the store.

/// What can go wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken, or someone else saved first.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record changed since the caller read it (a case's revision): nothing was written.
    #[error("revision changed: {0}")]
    RevisionChanged(String),
    /// An idempotency key already used for a different request: nothing was written.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    /// This backend does not do that (the message says what to use instead).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Stored data that cannot be read back (a bug or a manual edit).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;
