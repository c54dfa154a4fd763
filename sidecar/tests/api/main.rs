//! Integration tests against the stack's real MariaDB and SMTP sink.

mod helpers;

mod configured;
mod email_otp;
mod errors;
mod failures;
mod notify;
mod openapi;
mod report;
mod signatures;
mod users;
