//! Backup codes: generation, normalization of typed input, and the stored / lookup hash.

use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use crate::args::{DefaultInt, Int, Str};
use crate::errors::to_php;
use crate::key;

/// A string result, or false.
fn string_or_false(value: Option<String>) -> Zval {
    let mut out = Zval::new();
    match value {
        Some(s) if out.set_string(&s, false).is_ok() => {}
        _ => out.set_bool(false),
    }
    out
}

/// `$count` (1 to 100) new backup codes, e.g. `ABCD-EFGH-JKMN-PQRS`.
#[php_function]
#[php(defaults(count = 10))]
pub fn twofa_backup_codes(count: DefaultInt) -> PhpResult<Vec<String>> {
    twofa_core::backup::generate_set(count.0).map_err(to_php)
}

/// The canonical form of a typed backup code (case, spaces and dashes ignored), or false.
#[php_function]
pub fn twofa_backup_code_normalize(input: Str) -> Zval {
    string_or_false(twofa_core::backup::normalize(&input))
}

/// The keyed hash of a typed backup code for `$user_id` (context `backup:{user_id}`), the
/// value stored at generation and looked up at use; false when the input is not a backup code.
#[php_function]
pub fn twofa_backup_code_hash(code: Str, user_id: Int) -> PhpResult<Zval> {
    // The user id is checked before the key is loaded, so a bad id is always an argument error.
    twofa_core::backup::context(user_id.0).map_err(to_php)?;
    let key = key::site_key().map_err(to_php)?;
    twofa_core::backup::hash(&key, &code, user_id.0)
        .map(string_or_false)
        .map_err(to_php)
}

/// This module's functions, for the module builder.
pub fn functions() -> Vec<FunctionBuilder<'static>> {
    vec![
        wrap_function!(twofa_backup_codes),
        wrap_function!(twofa_backup_code_normalize),
        wrap_function!(twofa_backup_code_hash),
    ]
}
