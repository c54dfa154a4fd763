//! The relying party: its id and its one origin, checked the way browsers check them.

use url::{Host, Url};

use super::{PasskeyError, Result};

/// Longest relying party id (a DNS name).
pub const MAX_RP_ID: usize = 253;
/// Longest origin accepted, in bytes.
pub const MAX_ORIGIN: usize = 2048;

/// A relying party id with the one origin it is used from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    id: String,
    origin: Url,
    origin_str: String,
}

fn bad(what: &'static str, reason: &str) -> PasskeyError {
    PasskeyError::Malformed {
        what,
        reason: reason.to_string(),
    }
}

/// A DNS name of lowercase letters, digits and hyphens, labels of 1 to 63 characters that do
/// not start or end with a hyphen, the last label not all digits (no IPv4 address).
fn check_rp_id(rp_id: &str) -> Result<()> {
    if rp_id.is_empty() || rp_id.len() > MAX_RP_ID {
        return Err(bad("relying party id", "must be 1 to 253 characters"));
    }
    let labels: Vec<&str> = rp_id.split('.').collect();
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(bad(
                "relying party id",
                "must be a lowercase domain name (letters, digits, hyphens; punycode for others)",
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("relying party id", "must not be an IP address"));
    }
    if labels.len() < 2 && rp_id != "localhost" {
        return Err(bad(
            "relying party id",
            "must be a registrable domain (at least two labels) or localhost",
        ));
    }
    Ok(())
}

impl RelyingParty {
    /// Checks `rp_id` and `origin`: the origin is `https://host[:port]` (or `http://localhost[:port]`),
    /// with no path, query, fragment or credentials; its host is `rp_id` or a subdomain of it.
    pub fn new(rp_id: &str, origin: &str) -> Result<RelyingParty> {
        check_rp_id(rp_id)?;
        if origin.is_empty() || origin.len() > MAX_ORIGIN {
            return Err(bad("origin", "must be 1 to 2048 characters"));
        }
        let url = Url::parse(origin).map_err(|_| bad("origin", "not a URL"))?;
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_string(),
            Some(_) => {
                return Err(bad(
                    "origin",
                    "the host must be a domain name, not an IP address",
                ))
            }
            None => return Err(bad("origin", "has no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if host == "localhost" => {}
            "http" => return Err(bad("origin", "must be https (http only for localhost)")),
            _ => return Err(bad("origin", "must be https (http only for localhost)")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("origin", "must not contain credentials"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad(
                "origin",
                "must be scheme://host[:port] with no path, query or fragment",
            ));
        }
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(bad(
                "relying party id",
                "must be the origin's host or a parent domain of it",
            ));
        }
        let origin_str = url.origin().ascii_serialization();
        let origin = Url::parse(&origin_str).map_err(|_| bad("origin", "not a URL"))?;
        Ok(RelyingParty {
            id: rp_id.to_string(),
            origin,
            origin_str,
        })
    }

    /// The relying party id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The origin as a URL.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// The origin serialized (`https://example.com`, `http://localhost:8080`).
    pub fn origin_str(&self) -> &str {
        &self.origin_str
    }
}
