pub mod email_otp;
pub mod health;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod report;
pub mod users;
