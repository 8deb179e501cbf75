//! Accounts: staff (log-in, sessions, the operator's commands) and applicants (sign-up, log-in, portal
//! sessions, and log-in through the province's unified identity provider), with the passwords and tokens
//! they use.

pub mod applicants;
pub mod identity_provider;
pub mod phone_check;
pub(crate) mod secrets;
pub mod staff;
pub mod unified;

pub use secrets::{check_new_password, hash_off_thread, hash_password, random_token, same_secret, token_hash};
