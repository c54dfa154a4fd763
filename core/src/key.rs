//! The site key: 32 random bytes in a file outside the database, and the HKDF-SHA256 subkeys
//! derived from it (docs/CONTRACTS.md).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// Length of the site key and of every subkey, in bytes.
pub const KEY_LEN: usize = 32;

/// Mode bits a key file must not have: anything for others, and group write.
const FORBIDDEN_MODE_BITS: u32 = 0o027;

/// What a subkey is for; each purpose has its own HKDF `info` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// AEAD sealing of stored secrets.
    Seal,
    /// Keyed hashes of email codes and login nonces.
    CodeHash,
    /// Signatures on plugin → sidecar requests.
    RequestSigning,
}

impl Purpose {
    /// The HKDF `info` label, exactly as docs/CONTRACTS.md lists it.
    pub fn info(self) -> &'static str {
        match self {
            Purpose::Seal => "twofa/v1/seal",
            Purpose::CodeHash => "twofa/v1/code-hash",
            Purpose::RequestSigning => "twofa/v1/request-signing",
        }
    }
}

/// A 32-byte key derived from the site key for one purpose; wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Subkey([u8; KEY_LEN]);

impl Subkey {
    /// The raw subkey bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for Subkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subkey(..)")
    }
}

/// The site key and its three subkeys (derived once, when the key is made or loaded); all
/// wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SiteKey {
    bytes: [u8; KEY_LEN],
    seal: Subkey,
    code_hash: Subkey,
    request_signing: Subkey,
}

impl std::fmt::Debug for SiteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SiteKey(..)")
    }
}

impl SiteKey {
    /// A site key from raw bytes (tests, or keys held elsewhere).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SiteKey {
        SiteKey {
            seal: derive(&bytes, Purpose::Seal),
            code_hash: derive(&bytes, Purpose::CodeHash),
            request_signing: derive(&bytes, Purpose::RequestSigning),
            bytes,
        }
    }

    /// A new random site key from the OS CSPRNG, not written anywhere.
    pub fn random() -> SiteKey {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        let key = SiteKey::from_bytes(bytes);
        bytes.zeroize();
        key
    }

    /// Loads the key file at `path`.
    ///
    /// Refuses (with an error naming the problem) a path that cannot be opened, is not a regular
    /// file, is readable or writable by others or writable by its group, or does not hold
    /// exactly 32 bytes. The checks use the opened file's metadata, so the file checked is the
    /// file read.
    pub fn load(path: impl AsRef<Path>) -> Result<SiteKey> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        if path.as_os_str().is_empty() {
            return Err(Error::KeyNotConfigured);
        }
        let file = File::open(path).map_err(|e| Error::KeyUnreadable {
            path: shown.clone(),
            reason: io_reason(&e),
        })?;
        let meta = file.metadata().map_err(|e| Error::KeyUnreadable {
            path: shown.clone(),
            reason: io_reason(&e),
        })?;
        if !meta.is_file() {
            return Err(Error::KeyNotAFile { path: shown });
        }
        let mode = meta.mode() & 0o7777;
        if mode & FORBIDDEN_MODE_BITS != 0 {
            return Err(Error::KeyTooOpen { path: shown, mode });
        }
        if meta.len() != KEY_LEN as u64 {
            return Err(Error::KeyWrongLength {
                path: shown,
                len: meta.len(),
            });
        }
        // Read one byte more than needed so a file that grew after fstat is still refused.
        let mut buf = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
        file.take(KEY_LEN as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::KeyUnreadable {
                path: shown.clone(),
                reason: io_reason(&e),
            })?;
        if buf.len() != KEY_LEN {
            return Err(Error::KeyWrongLength {
                path: shown,
                len: buf.len() as u64,
            });
        }
        let mut bytes = [0u8; KEY_LEN];
        bytes.copy_from_slice(&buf);
        let key = SiteKey::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// Creates a new key file at `path` with mode 0600 holding 32 bytes from the OS CSPRNG.
    /// Refuses to overwrite an existing file (or follow a symlink to one).
    pub fn generate(path: impl AsRef<Path>) -> Result<SiteKey> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        if path.as_os_str().is_empty() {
            return Err(Error::KeyNotConfigured);
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::KeyExists {
                        path: shown.clone(),
                    }
                } else {
                    Error::KeyWrite {
                        path: shown.clone(),
                        reason: io_reason(&e),
                    }
                }
            })?;
        let key = SiteKey::random();
        file.write_all(&key.bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::KeyWrite {
                path: shown.clone(),
                reason: io_reason(&e),
            })?;
        Ok(key)
    }

    /// The HKDF-SHA256 subkey for `purpose` (no salt, `info` = [`Purpose::info`]).
    pub fn subkey(&self, purpose: Purpose) -> Subkey {
        self.subkey_ref(purpose).clone()
    }

    /// The subkey for `purpose`, borrowed (no copy).
    pub fn subkey_ref(&self, purpose: Purpose) -> &Subkey {
        match purpose {
            Purpose::Seal => &self.seal,
            Purpose::CodeHash => &self.code_hash,
            Purpose::RequestSigning => &self.request_signing,
        }
    }
}

/// HKDF-SHA256 of the site key with no salt and `info` = the purpose's label.
fn derive(ikm: &[u8; KEY_LEN], purpose: Purpose) -> Subkey {
    let hk = Hkdf::<Sha256>::new(None, ikm);
    let mut out = [0u8; KEY_LEN];
    // 32 bytes is far below HKDF-SHA256's 255 * 32 byte limit, so expand cannot fail.
    if hk.expand(purpose.info().as_bytes(), &mut out).is_err() {
        unreachable!("HKDF-SHA256 output of 32 bytes is always valid");
    }
    Subkey(out)
}

/// A short reason for an I/O error, without the OS error number noise.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn write_key(dir: &tempfile::TempDir, name: &str, bytes: &[u8], mode: u32) -> String {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        p.display().to_string()
    }

    #[test]
    fn loads_a_good_key_with_0600_and_0640() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_key(&dir, "a", &[7u8; 32], 0o600);
        let b = write_key(&dir, "b", &[7u8; 32], 0o640);
        let ka = SiteKey::load(&a).unwrap();
        let kb = SiteKey::load(&b).unwrap();
        assert_eq!(
            ka.subkey(Purpose::Seal).as_bytes(),
            kb.subkey(Purpose::Seal).as_bytes()
        );
    }

    #[test]
    fn refuses_wrong_length_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 31, 33, 64] {
            let p = write_key(&dir, &format!("k{len}"), &vec![1u8; len], 0o600);
            let e = SiteKey::load(&p).unwrap_err();
            assert_eq!(
                e,
                Error::KeyWrongLength {
                    path: p.clone(),
                    len: len as u64
                }
            );
            assert!(e.to_string().contains("wrong length"));
        }
    }

    #[test]
    fn refuses_too_open_modes_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o644, 0o604, 0o602, 0o660, 0o666, 0o601] {
            let p = write_key(&dir, &format!("m{mode:o}"), &[1u8; 32], mode);
            let e = SiteKey::load(&p).unwrap_err();
            assert_eq!(e, Error::KeyTooOpen { path: p, mode });
            assert!(e.to_string().contains("too open"));
        }
    }

    #[test]
    fn refuses_missing_directory_and_empty_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert!(matches!(
            SiteKey::load(&missing),
            Err(Error::KeyUnreadable { .. })
        ));
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert!(matches!(
            SiteKey::load(dir.path()),
            Err(Error::KeyNotAFile { .. }) | Err(Error::KeyTooOpen { .. })
        ));
        assert_eq!(SiteKey::load("").unwrap_err(), Error::KeyNotConfigured);
    }

    #[test]
    fn generate_creates_0600_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("site.key");
        let k = SiteKey::generate(&p).unwrap();
        let meta = fs::metadata(&p).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert_eq!(meta.len(), 32);
        let loaded = SiteKey::load(&p).unwrap();
        assert_eq!(
            k.subkey(Purpose::CodeHash).as_bytes(),
            loaded.subkey(Purpose::CodeHash).as_bytes()
        );
        assert!(matches!(
            SiteKey::generate(&p),
            Err(Error::KeyExists { .. })
        ));
        // The existing key is untouched.
        assert_eq!(
            SiteKey::load(&p).unwrap().subkey(Purpose::Seal).as_bytes(),
            k.subkey(Purpose::Seal).as_bytes()
        );
    }

    #[test]
    fn subkeys_differ_per_purpose_and_match_rfc5869_construction() {
        let k = SiteKey::from_bytes([0x0b; 32]);
        let s = k.subkey(Purpose::Seal);
        let c = k.subkey(Purpose::CodeHash);
        let r = k.subkey(Purpose::RequestSigning);
        assert_ne!(s.as_bytes(), c.as_bytes());
        assert_ne!(c.as_bytes(), r.as_bytes());
        // HKDF with no salt = HMAC key of 32 zero bytes for extract; one block for expand.
        use hmac::{Hmac, Mac};
        let mut ext = Hmac::<Sha256>::new_from_slice(&[0u8; 32]).unwrap();
        ext.update(&[0x0b; 32]);
        let prk = ext.finalize().into_bytes();
        let mut exp = Hmac::<Sha256>::new_from_slice(&prk).unwrap();
        exp.update(b"twofa/v1/request-signing");
        exp.update(&[1u8]);
        assert_eq!(r.as_bytes()[..], exp.finalize().into_bytes()[..]);
    }

    #[test]
    fn debug_does_not_print_key_bytes() {
        let k = SiteKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{k:?}"), "SiteKey(..)");
        assert_eq!(format!("{:?}", k.subkey(Purpose::Seal)), "Subkey(..)");
    }
}
