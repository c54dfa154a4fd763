//! Lazy loading of the site key named by the `twofa.key_file` ini setting.
//!
//! The setting is PHP_INI_SYSTEM, but PHP-FPM pools may still set it per pool after module
//! startup, so it is read at call time. The loaded key is cached per process and reused only
//! while the path and the file's identity (device, inode, size, mode, mtime, ctime) are unchanged, so
//! a replaced or re-permissioned key file is re-read and re-checked.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ext_php_rs::ffi::zend_ini_entry;
use ext_php_rs::zend::ExecutorGlobals;
use twofa_core::key::SiteKey;

use crate::errors::INI_KEY_FILE;

#[derive(PartialEq, Eq, Clone, Copy)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
    mode: u32,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

struct Cached {
    path: PathBuf,
    identity: Identity,
    key: Arc<SiteKey>,
}

static CACHE: Mutex<Option<Cached>> = Mutex::new(None);

/// The current value of `twofa.key_file` as raw bytes (empty when unset).
fn key_file_bytes() -> Vec<u8> {
    let globals = ExecutorGlobals::get();
    // SAFETY: EG(ini_directives) is set up before any module starts and lives for the
    // process; its entries are zend_ini_entry pointers owned by the table.
    let value = unsafe {
        globals
            .ini_directives
            .as_ref()
            .and_then(|table| table.get(INI_KEY_FILE))
            .and_then(|zv| zv.ptr::<zend_ini_entry>())
            .and_then(|entry| entry.as_ref())
            .and_then(|entry| entry.value.as_ref())
            .map(|value| value.as_bytes().to_vec())
    };
    value.unwrap_or_default()
}

/// The current value of `twofa.key_file` for display ("" when unset).
pub fn key_file_setting() -> String {
    String::from_utf8_lossy(&key_file_bytes()).into_owned()
}

fn identity(path: &Path) -> Option<Identity> {
    let m = std::fs::metadata(path).ok()?;
    Some(Identity {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mode: m.mode(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

/// The site key, loading (and checking) it on first use or when the file changed.
pub fn site_key() -> Result<Arc<SiteKey>, twofa_core::Error> {
    // Paths are bytes on Unix; a non-UTF-8 path still names its file.
    let path = PathBuf::from(OsStr::from_bytes(&key_file_bytes()));
    if path.as_os_str().is_empty() {
        return Err(twofa_core::Error::KeyNotConfigured);
    }
    let before = identity(&path);
    // A poisoned lock only means an earlier caller panicked; the cache itself stays consistent.
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let (Some(c), Some(id)) = (cache.as_ref(), before) {
        if c.path == path && c.identity == id {
            return Ok(Arc::clone(&c.key));
        }
    }
    *cache = None;
    let key = Arc::new(SiteKey::load(&path)?);
    // Cache only when the file did not change while it was read.
    if let (Some(b), Some(a)) = (before, identity(&path)) {
        if a == b {
            *cache = Some(Cached {
                path,
                identity: a,
                key: Arc::clone(&key),
            });
        }
    }
    Ok(key)
}
