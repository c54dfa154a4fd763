//! Integration tests against the stack's real MariaDB and SMTP sink.

mod helpers;

mod configured;
mod email_otp;
mod failures;
mod notify;
mod report;
mod signatures;
mod users;
