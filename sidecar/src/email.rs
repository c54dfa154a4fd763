//! Mail backends (one enum) and the fixed message templates.
//!
//! Names that end up in headers (site name, display name) are stripped of control characters
//! and lettre's builders encode them, so neither can add a header. Everything placed in the
//! HTML part is escaped. The messages hold no links.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

use crate::config::{MailTransport, TlsMode};
use crate::i18n::{fill, Tr};

#[derive(Debug, Error)]
pub enum MailError {
    #[error("mail configuration is invalid: {0}")]
    Config(String),
    #[error("the SMTP server failed: {0}")]
    Smtp(String),
    #[error("the SMTP server did not answer in time")]
    Timeout,
    #[error("the outbox folder is not writable: {0}")]
    Outbox(String),
    #[error("the message cannot be built: {0}")]
    Build(String),
}

/// The mail backends.
#[derive(Clone)]
pub enum Mailer {
    /// A pooled SMTP connection (STARTTLS or implicit TLS via rustls, optional credentials).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A folder receiving one `.eml` file per message.
    File(PathBuf),
}

impl Mailer {
    pub fn from_settings(t: &MailTransport, timeout: Duration) -> Result<Mailer, MailError> {
        match t {
            MailTransport::File { dir } => Ok(Mailer::File(dir.clone())),
            MailTransport::Smtp {
                host,
                port,
                tls,
                username,
                password,
                pool_size,
            } => {
                let tls = match tls {
                    TlsMode::None => Tls::None,
                    TlsMode::Starttls => Tls::Required(
                        TlsParameters::new(host.clone())
                            .map_err(|e| MailError::Config(e.to_string()))?,
                    ),
                    TlsMode::Tls => Tls::Wrapper(
                        TlsParameters::new(host.clone())
                            .map_err(|e| MailError::Config(e.to_string()))?,
                    ),
                };
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
                    .port(*port)
                    .tls(tls)
                    .timeout(Some(timeout))
                    .pool_config(
                        PoolConfig::new()
                            .max_size(*pool_size)
                            .idle_timeout(Duration::from_secs(50)),
                    );
                if let (Some(u), Some(p)) = (username, password) {
                    b = b.credentials(Credentials::new(u.clone(), p.clone()));
                }
                Ok(Mailer::Smtp(b.build()))
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "smtp",
            Mailer::File(_) => "file",
        }
    }

    /// Delivers one message. The caller bounds the time taken.
    pub async fn send(&self, id: &str, msg: Message) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(t) => {
                t.send(msg).await.map_err(|e| {
                    if e.is_timeout() {
                        MailError::Timeout
                    } else {
                        MailError::Smtp(smtp_error_text(&e))
                    }
                })?;
                Ok(())
            }
            Mailer::File(dir) => {
                let bytes = msg.formatted();
                let dir = dir.clone();
                let id = id.to_string();
                tokio::task::spawn_blocking(move || write_outbox(&dir, &id, &bytes))
                    .await
                    .map_err(|e| MailError::Outbox(e.to_string()))?
            }
        }
    }

    /// Is the backend usable right now? SMTP: connect and greet; file: the folder is writable.
    pub async fn check(&self) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(t) => match t.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err(MailError::Smtp(
                    "the server refused the connection test".into(),
                )),
                Err(e) if e.is_timeout() => Err(MailError::Timeout),
                Err(e) => Err(MailError::Smtp(smtp_error_text(&e))),
            },
            Mailer::File(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || probe_outbox(&dir))
                    .await
                    .map_err(|e| MailError::Outbox(e.to_string()))?
            }
        }
    }
}

/// lettre's error text, without the chain of sources that may quote server banners at length.
fn smtp_error_text(e: &lettre::transport::smtp::Error) -> String {
    let s = e.to_string();
    s.chars().take(200).collect()
}

/// Writes `{dir}/{id}.eml` atomically: a hidden temporary file in the same folder, then rename,
/// so a reader never sees half a message. No fsync: a code lost in a crash is simply resent.
fn write_outbox(dir: &Path, id: &str, bytes: &[u8]) -> Result<(), MailError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = dir.join(format!(".{id}.tmp"));
    let fin = dir.join(format!("{id}.eml"));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o640)
            .open(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        std::fs::rename(&tmp, &fin)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(MailError::Outbox(e.kind().to_string()));
    }
    Ok(())
}

fn probe_outbox(dir: &Path) -> Result<(), MailError> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|e| MailError::Outbox(e.to_string()))?;
    let probe = dir.join(format!(".probe-{}", hex::encode(id)));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| MailError::Outbox(format!("{}: {}", dir.display(), e.kind())))
}

/// A new random message id (32 hex digits).
pub fn new_message_id() -> Result<String, MailError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| MailError::Build(e.to_string()))?;
    Ok(hex::encode(b))
}

/// Removes control characters (CR, LF, tabs, NUL, …) and trims; caps the length.
pub fn clean_name(s: &str, max_chars: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(max_chars).collect()
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What every message needs besides its text.
pub struct Envelope<'a> {
    pub id: &'a str,
    pub from: &'a Mailbox,
    pub to_name: &'a str,
    pub to_addr: &'a str,
    pub site_name: &'a str,
}

/// Parts of a message before it is built: subject, paragraphs, and an optional code block.
pub struct Body {
    pub subject: String,
    pub greeting: String,
    pub before: Vec<String>,
    pub code: Option<String>,
    pub after: Vec<String>,
}

pub fn build(env: &Envelope<'_>, body: Body) -> Result<Message, MailError> {
    let to_addr: Address = env
        .to_addr
        .trim()
        .parse()
        .map_err(|_| MailError::Build("recipient address is invalid".into()))?;
    let to_name = clean_name(env.to_name, 100);
    let to = Mailbox::new((!to_name.is_empty()).then_some(to_name), to_addr);
    let domain = env.from.email.domain().to_string();

    let mut text = String::new();
    text.push_str(&body.greeting);
    text.push_str("\n\n");
    for p in &body.before {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some(code) = &body.code {
        text.push_str("    ");
        text.push_str(code);
        text.push_str("\n\n");
    }
    for p in &body.after {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str("-- \n");
    text.push_str(env.site_name);
    text.push('\n');

    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif\">",
    );
    html.push_str(&format!("<p>{}</p>", html_escape(&body.greeting)));
    for p in &body.before {
        html.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    if let Some(code) = &body.code {
        html.push_str(&format!(
            "<p style=\"font-size:28px;font-family:monospace;letter-spacing:4px\"><strong>{}</strong></p>",
            html_escape(code)
        ));
    }
    for p in &body.after {
        html.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    html.push_str(&format!(
        "<p style=\"color:#666\">{}</p></body></html>",
        html_escape(env.site_name)
    ));

    Message::builder()
        .from(env.from.clone())
        .to(to)
        .subject(clean_name(&body.subject, 200))
        .message_id(Some(format!("<{}@{}>", env.id, domain)))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

/// Purpose of an email code: `setup` (finishing OTP over Email setup) or `login`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Setup,
    Login,
}

const IF_NOT_YOU: &str = "If this wasn't you, do not share this code and do not type it anywhere. Someone may know your password: change it and tell the site administrator.";

/// The code email, in the recipient's language (`tr`).
pub fn code_body(
    tr: Tr<'_>,
    site: &str,
    display: &str,
    code: &str,
    purpose: Purpose,
    expires_in: u32,
) -> Body {
    let minutes = expires_in.div_ceil(60);
    let (subject, intro) = match purpose {
        Purpose::Setup => (
            tr.t("{site}: your code to set up OTP over Email"),
            tr.t("Use this code to finish setting up OTP over Email on {site}:"),
        ),
        Purpose::Login => (
            tr.t("{site}: your login verification code"),
            tr.t("Use this code to finish signing in to {site}:"),
        ),
    };
    let validity = tr.n(
        "The code is valid for {minutes} minute. Never give it to anyone, including someone claiming to be from {site}.",
        "The code is valid for {minutes} minutes. Never give it to anyone, including someone claiming to be from {site}.",
        u64::from(minutes),
    );
    let minutes = minutes.to_string();
    let args = [("site", site), ("minutes", minutes.as_str())];
    Body {
        subject: fill(subject, &args),
        greeting: greeting(tr, display),
        before: vec![fill(intro, &args)],
        code: Some(code.to_string()),
        after: vec![fill(validity, &args), tr.t(IF_NOT_YOU).to_string()],
    }
}

fn greeting(tr: Tr<'_>, display: &str) -> String {
    let name = clean_name(display, 100);
    if name.is_empty() {
        tr.t("Hello,").to_string()
    } else {
        fill(tr.t("Hello {name},"), &[("name", &name)])
    }
}

/// Security notices: `method_added`, `method_replaced`, `method_removed` and `primary_changed`
/// (all need `method`), `email_changed` (to the old address, before the change), `reset` (an
/// administrator reset the user's 2FA), `lockout` (too many wrong codes), `lockout_permanent`
/// (locked until an administrator unlocks it), `admin_lockout_permanent` (the same, to the
/// site's administration address) and `test` (the settings page's "Send test email" and
/// `wp twofa send-test-email`; no call to action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    MethodAdded,
    /// A configured method was set up again (e.g. a new authenticator key).
    MethodReplaced,
    MethodRemoved,
    /// `method` is the new primary method.
    PrimaryChanged,
    /// Sent before the change is written, so it reaches the old address.
    EmailChanged,
    Reset,
    Lockout,
    /// Locked until an administrator unlocks it, after too many wrong codes in a row.
    LockoutPermanent,
    /// The same, told to the site's administration email address (`admin_email`) about the
    /// user: not to the user's own address.
    AdminLockoutPermanent,
    /// "Send test email" of the site owner's settings page and `wp twofa send-test-email`.
    Test,
    /// A backup code was used to log in (`remaining` required).
    BackupCodeUsed,
    /// A first set of backup codes was generated (`remaining` required).
    BackupCodesGenerated,
    /// The set of backup codes was replaced (`remaining` required).
    BackupCodesRegenerated,
    /// An administrator made the account forget every remembered device.
    DevicesForgotten,
}

impl Event {
    /// Events whose notice states how many backup codes are left.
    pub fn needs_remaining(self) -> bool {
        matches!(
            self,
            Event::BackupCodeUsed | Event::BackupCodesGenerated | Event::BackupCodesRegenerated
        )
    }
}

/// A 2FA method: `totp` (an authenticator app), `email` (OTP over Email), `backup_codes`
/// (a backup only) or `passkey` (WebAuthn).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Totp,
    Email,
    #[serde(rename = "backup_codes")]
    BackupCodes,
    Passkey,
}

impl Method {
    /// The English label (the product's fixed names); translated through the catalogs.
    pub fn label(self) -> &'static str {
        match self {
            Method::Totp => "Google Authenticator",
            Method::Email => "OTP over Email",
            Method::BackupCodes => "Backup codes",
            Method::Passkey => "Passkeys",
        }
    }
}

/// The notice to the site's administration address that `login` (`display`, user `id`) is
/// locked until unlocked. Names come from the database and are cleaned like any name.
pub fn admin_notice_body(site: &str, id: u64, login: &str, display: &str) -> Body {
    let login = clean_name(login, 60);
    let display = clean_name(display, 100);
    Body {
        subject: format!("{site}: the account \"{login}\" was locked"),
        greeting: "Hello,".to_string(),
        before: vec![format!(
            "The account \"{login}\" ({display}, user ID {id}) on {site} was locked after too many wrong verification codes in a row. Someone may know its password. It stays locked until an administrator unlocks it: the Unlock button on the user's profile screen, or wp twofa unlock {id}."
        )],
        code: None,
        after: vec![
            "The user was told too. Ask them to change their password before you unlock the account."
                .to_string(),
        ],
    }
}

/// A notice email, in the recipient's language (`tr`).
pub fn notice_body(
    tr: Tr<'_>,
    site: &str,
    display: &str,
    event: Event,
    method: Option<Method>,
    remaining: Option<u32>,
) -> Body {
    let n = remaining.unwrap_or(0);
    let count = n.to_string();
    let left = fill(
        tr.n(
            "{left} unused backup code is left.",
            "{left} unused backup codes are left.",
            u64::from(n),
        ),
        &[("left", &count)],
    );
    let label = method.map_or("?", |m| tr.t(m.label()));
    let (subject, line) = match event {
        Event::MethodAdded => (
            tr.t("{site}: a two-factor method was added to your account"),
            tr.t("The two-factor method \"{method}\" was added to your account on {site}."),
        ),
        Event::MethodReplaced => (
            tr.t("{site}: a two-factor method was replaced on your account"),
            tr.t("The two-factor method \"{method}\" was replaced on your account on {site}; the one set up before no longer works."),
        ),
        Event::PrimaryChanged => (
            tr.t("{site}: your primary two-factor method was changed"),
            tr.t("The two-factor method \"{method}\" is now the primary two-factor method of your account on {site}."),
        ),
        Event::EmailChanged => (
            tr.t("{site}: the email address of your account is being changed"),
            tr.t("The email address of your account on {site} is being changed away from this address. Codes of OTP over Email will go to the new address."),
        ),
        Event::MethodRemoved => (
            tr.t("{site}: a two-factor method was removed from your account"),
            tr.t("The two-factor method \"{method}\" was removed from your account on {site}."),
        ),
        Event::Reset => (
            tr.t("{site}: your two-factor authentication was reset"),
            tr.t("Two-factor authentication for your account on {site} was reset. You will be asked to set it up again when you next log in."),
        ),
        Event::Lockout => (
            tr.t("{site}: your account was temporarily locked"),
            tr.t("Your account on {site} was temporarily locked after too many wrong verification codes."),
        ),
        Event::LockoutPermanent => (
            tr.t("{site}: your account was locked"),
            tr.t("Your account on {site} was locked after too many wrong verification codes in a row. It stays locked until a site administrator unlocks it; even a correct code is refused until then."),
        ),
        // Sent through admin_notice_body(); this wording is only a fallback.
        Event::AdminLockoutPermanent => (
            tr.t("{site}: an account was locked"),
            tr.t("An account on {site} was locked after too many wrong verification codes in a row."),
        ),
        Event::Test => (
            tr.t("{site}: test email"),
            tr.t("This is a test email from {site}: two-factor emails reach this address."),
        ),
        Event::BackupCodeUsed => (
            tr.t("{site}: a backup code was used to log in"),
            tr.t("A backup code was used to log in to your account on {site}. {left}"),
        ),
        Event::BackupCodesGenerated => (
            tr.t("{site}: backup codes were generated"),
            tr.t("Backup codes were generated for your account on {site}. {left}"),
        ),
        Event::BackupCodesRegenerated => (
            tr.t("{site}: your backup codes were replaced"),
            tr.t("New backup codes were generated for your account on {site}; the old ones no longer work. {left}"),
        ),
        Event::DevicesForgotten => (
            tr.t("{site}: your remembered devices were forgotten"),
            tr.t("A site administrator made your account on {site} forget every remembered device. You will be asked for a two-factor code at your next login on each of them."),
        ),
    };
    let args = [("site", site), ("method", label), ("left", left.as_str())];
    Body {
        subject: fill(subject, &args),
        greeting: greeting(tr, display),
        before: vec![fill(line, &args)],
        code: None,
        after: vec![match event {
            Event::Test => tr.t("No action is needed.").to_string(),
            _ => tr
                .t("If this wasn't you, change your password now and tell the site administrator.")
                .to_string(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_event_is_a_plain_notice() {
        let e: Event = serde_json::from_str("\"test\"").unwrap();
        assert_eq!(e, Event::Test);
        let b = notice_body(Tr::english(), "Site", "Ann", Event::Test, None, None);
        assert_eq!(b.subject, "Site: test email");
        assert!(b.code.is_none());
        assert!(!b.after.join(" ").contains("change your password"));
    }

    #[test]
    fn replaced_primary_and_email_changed_have_their_own_wording() {
        let e: Event = serde_json::from_str("\"method_replaced\"").unwrap();
        let b = notice_body(Tr::english(), "Site", "Ann", e, Some(Method::Totp), None);
        assert_eq!(
            b.subject,
            "Site: a two-factor method was replaced on your account"
        );
        assert!(b.before[0].contains("\"Google Authenticator\" was replaced"));
        assert!(!b.before[0].contains("added"));
        let e: Event = serde_json::from_str("\"primary_changed\"").unwrap();
        let b = notice_body(Tr::english(), "Site", "Ann", e, Some(Method::Email), None);
        assert!(b.before[0].contains("\"OTP over Email\" is now the primary"));
        let e: Event = serde_json::from_str("\"email_changed\"").unwrap();
        let b = notice_body(Tr::english(), "Site", "Ann", e, None, None);
        assert!(b
            .subject
            .contains("email address of your account is being changed"));
        assert!(b.after[0].contains("change your password"));
    }

    #[test]
    fn backup_notices_say_how_many_codes_are_left() {
        let e: Event = serde_json::from_str("\"backup_code_used\"").unwrap();
        assert!(e.needs_remaining());
        let b = notice_body(Tr::english(), "Site", "Ann", e, None, Some(1));
        assert!(b.before.join(" ").contains("1 unused backup code is left."));
        let b = notice_body(
            Tr::english(),
            "Site",
            "Ann",
            Event::BackupCodesRegenerated,
            None,
            Some(10),
        );
        assert!(b
            .before
            .join(" ")
            .contains("10 unused backup codes are left."));
        assert!(!Event::DevicesForgotten.needs_remaining());
    }

    #[test]
    fn bodies_follow_the_recipients_catalog_and_unknown_locales_get_english() {
        let all = crate::i18n::Catalogs::built_in().unwrap();
        let de = code_body(
            all.get(Some("de_DE")),
            "Site",
            "Ann",
            "123456",
            Purpose::Login,
            60,
        );
        assert_eq!(de.subject, "Site: Ihr Bestätigungscode für die Anmeldung");
        assert_eq!(de.greeting, "Hallo Ann,");
        assert!(
            de.after[0].starts_with("Der Code ist 1 Minute gültig."),
            "{}",
            de.after[0]
        );
        let fr = notice_body(
            all.get(Some("fr_FR")),
            "Site",
            "",
            Event::BackupCodeUsed,
            None,
            Some(0),
        );
        assert_eq!(fr.greeting, "Bonjour,");
        assert!(
            fr.before[0].ends_with("Il reste 0 code de secours inutilisé."),
            "{}",
            fr.before[0]
        );
        let fr = notice_body(
            all.get(Some("fr_FR")),
            "Site",
            "Ann",
            Event::MethodAdded,
            Some(Method::Email),
            None,
        );
        assert!(
            fr.before[0].contains("« OTP par e-mail »"),
            "{}",
            fr.before[0]
        );
        for locale in [Some("xx_XX"), Some("en_GB"), None] {
            let en = code_body(
                all.get(locale),
                "Site",
                "Ann",
                "123456",
                Purpose::Login,
                120,
            );
            assert_eq!(en.subject, "Site: your login verification code");
            assert!(en.after[0].starts_with("The code is valid for 2 minutes."));
        }
        // Every text of every message has its German and French translation.
        let events = [
            Event::MethodAdded,
            Event::MethodReplaced,
            Event::MethodRemoved,
            Event::PrimaryChanged,
            Event::EmailChanged,
            Event::Reset,
            Event::Lockout,
            Event::LockoutPermanent,
            Event::AdminLockoutPermanent,
            Event::Test,
            Event::BackupCodeUsed,
            Event::BackupCodesGenerated,
            Event::BackupCodesRegenerated,
            Event::DevicesForgotten,
        ];
        for locale in ["de_DE", "fr_FR"] {
            let tr = all.get(Some(locale));
            for e in events {
                let m = Some(Method::Totp);
                let r = e.needs_remaining().then_some(2);
                let (en, t) = (
                    notice_body(Tr::english(), "S", "A", e, m, r),
                    notice_body(tr, "S", "A", e, m, r),
                );
                assert_ne!(en.subject, t.subject, "{locale} {e:?}");
                assert_ne!(en.before, t.before, "{locale} {e:?}");
                assert_ne!(en.after, t.after, "{locale} {e:?}");
            }
            for p in [Purpose::Setup, Purpose::Login] {
                let (en, t) = (
                    code_body(Tr::english(), "S", "A", "1", p, 600),
                    code_body(tr, "S", "A", "1", p, 600),
                );
                assert_ne!(en.subject, t.subject);
                assert_ne!(en.before, t.before);
                assert_ne!(en.after[0], t.after[0]);
                assert_ne!(en.after[1], t.after[1]);
            }
            for m in [Method::Email, Method::BackupCodes] {
                assert_ne!(tr.t(m.label()), m.label());
            }
            // German writes "Passkeys" too: the catalog must have it all the same.
            if locale == "fr_FR" {
                assert_ne!(tr.t(Method::Passkey.label()), Method::Passkey.label());
            }
        }
    }

    #[test]
    fn names_lose_control_chars() {
        assert_eq!(clean_name("Eve\r\nBcc: x@evil", 100), "Eve Bcc: x@evil");
        assert_eq!(clean_name("\u{0}a\tb", 100), "a b");
        assert_eq!(clean_name("abcdef", 3), "abc");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn built_message_has_no_injected_header() {
        let from: Mailbox = "Site <noreply@example.com>".parse().unwrap();
        let env = Envelope {
            id: "abc",
            from: &from,
            to_name: "Mallory\r\nBcc: victim@example.org",
            to_addr: "m@example.com",
            site_name: "Evil\r\nX-Injected: 1",
        };
        let body = code_body(
            Tr::english(),
            "Evil\r\nX-Injected: 1",
            env.to_name,
            "123456",
            Purpose::Login,
            600,
        );
        let msg = build(&env, body).unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert!(
            !head.lines().any(|l| l.starts_with("X-Injected:")),
            "{head}"
        );
        assert!(!head.contains("123456"));
        assert!(raw.contains("123456"));
        assert!(raw.contains("10 minutes"));
        assert!(!raw.contains("http"));
    }
}
