//! Arguments parsed by PHP's own rules for internal functions.
//!
//! [`Str`] and [`Int`] (and [`DefaultInt`] for an `int` parameter with a default) hand every
//! value that is not already a string or an int to the engine's own parser
//! (`zend_parse_arg_str_slow` / `zend_parse_arg_long_slow`), the one `ZEND_PARSE_PARAMETERS`
//! uses. So outside `strict_types` an int, float, bool or numeric string is coerced as for any
//! internal function (with the engine's deprecations, e.g. for null or a fractional float), a
//! `Stringable` object is a string, and under `declare(strict_types=1)` in the caller anything
//! else is a `TypeError`. The `TypeError` is the engine's own, with its usual message
//! (`twofa_totp_code(): Argument #2 ($time) must be of type int, string given`).
//!
//! Strings stay bytes: a non-UTF-8 string is the function's business (usually a
//! `Twofa\ArgumentException`), not a type error.
//!
//! [`fix_arginfo`] corrects, at module startup, the declared types the `#[php_function]` macro
//! cannot express (`int|false` returns, a non-nullable `int` with a default), so reflection
//! and `php --re` show the types of `twofa.stub.php`.

use std::ops::Deref;

use ext_php_rs::convert::FromZvalMut;
use ext_php_rs::ffi::{zend_arg_info, zend_execute_data, zend_function, zend_string, zval};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecutorGlobals;

/// `zend_expected_type` values (Zend/zend_API.h, the same from PHP 8.0 on).
const Z_EXPECTED_LONG: u32 = 0;
const Z_EXPECTED_STRING: u32 = 4;
/// The `…_OR_NULL` variant of an expected type is the next value (`?int`, `?string`).
const OR_NULL: u32 = 1;

extern "C" {
    fn zend_parse_arg_str_slow(arg: *mut zval, dest: *mut *mut zend_string, arg_num: u32) -> bool;
    fn zend_parse_arg_long_slow(arg: *mut zval, dest: *mut i64, arg_num: u32) -> bool;
    fn zend_wrong_parameter_type_error(num: u32, expected_type: u32, arg: *mut zval);
}

/// The 1-based position of `arg` among the arguments of the internal call now running.
///
/// Arguments live in the call frame right after the `zend_execute_data` header
/// (`ZEND_CALL_ARG(call, n)`); the macro-generated handler passes the frame slot itself.
fn arg_num(arg: &Zval) -> u32 {
    let ex = ExecutorGlobals::get().current_execute_data;
    if ex.is_null() {
        return 0;
    }
    let slot_size = std::mem::size_of::<zval>();
    let frame_slots = std::mem::size_of::<zend_execute_data>().div_ceil(slot_size);
    let offset = (arg as *const Zval as usize).wrapping_sub(ex as usize) / slot_size;
    // SAFETY: `ex` is the frame of the running internal function (non-null, checked above).
    let num_args = unsafe { (*ex).This.u2.num_args } as usize;
    match offset.checked_sub(frame_slots) {
        Some(i) if i < num_args => u32::try_from(i + 1).unwrap_or(0),
        _ => 0,
    }
}

/// Throws the engine's TypeError for `arg` unless an exception is already pending (a
/// `__toString` that threw, or a deprecation turned into an exception).
fn type_error(arg: &mut Zval, expected: u32) {
    if ExecutorGlobals::has_exception() {
        return;
    }
    let num = arg_num(arg);
    // SAFETY: `arg` is a valid zval of the current call; the engine only reads it here.
    unsafe { zend_wrong_parameter_type_error(num, expected, (arg as *mut Zval).cast()) };
}

/// A PHP `string` parameter as bytes, coerced by the engine's rules.
pub struct Str<'a>(&'a [u8]);

impl Deref for Str<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0
    }
}

fn str_from<'a>(zval: &'a mut Zval, expected: u32) -> Option<Str<'a>> {
    if !zval.is_string() {
        let num = arg_num(zval);
        let mut dest: *mut zend_string = std::ptr::null_mut();
        // SAFETY: the engine converts the argument in place (its frame slot then holds
        // the string, which lives as long as the call) and sets `dest` on success.
        let ok = unsafe { zend_parse_arg_str_slow((zval as *mut Zval).cast(), &mut dest, num) };
        if !ok || dest.is_null() || !zval.is_string() {
            type_error(zval, expected);
            return None;
        }
    }
    if zval.zend_str().is_none() {
        type_error(zval, expected);
        return None;
    }
    let zval: &'a Zval = zval;
    zval.zend_str().map(|s| Str(s.as_bytes()))
}

impl<'a> FromZvalMut<'a> for Str<'a> {
    const TYPE: DataType = DataType::String;

    fn from_zval_mut(zval: &'a mut Zval) -> Option<Self> {
        str_from(zval, Z_EXPECTED_STRING)
    }
}

/// A PHP `?string` parameter that may be omitted: `null` or a missing argument is `None`,
/// anything else follows [`Str`]'s rules.
pub struct OptStr<'a>(pub Option<Str<'a>>);

impl<'a> FromZvalMut<'a> for OptStr<'a> {
    const TYPE: DataType = DataType::String;
    const NULLABLE: bool = true;

    fn from_zval_mut(zval: &'a mut Zval) -> Option<Self> {
        if zval.is_null() {
            return Some(OptStr(None));
        }
        str_from(zval, Z_EXPECTED_STRING + OR_NULL).map(|s| OptStr(Some(s)))
    }

    fn from_missing() -> Option<Self> {
        Some(OptStr(None))
    }
}

/// A PHP `int` parameter, coerced by the engine's rules.
pub struct Int(pub i64);

fn long_from(zval: &mut Zval, expected: u32) -> Option<i64> {
    if let Some(n) = zval.long() {
        return Some(n);
    }
    let num = arg_num(zval);
    let mut dest: i64 = 0;
    // SAFETY: `zval` is an argument of the running call; the engine reads it (and may emit a
    // deprecation) and writes `dest` on success.
    let ok = unsafe { zend_parse_arg_long_slow((zval as *mut Zval).cast(), &mut dest, num) };
    if ok && !ExecutorGlobals::has_exception() {
        Some(dest)
    } else {
        type_error(zval, expected);
        None
    }
}

impl<'a> FromZvalMut<'a> for Int {
    const TYPE: DataType = DataType::Long;

    fn from_zval_mut(zval: &'a mut Zval) -> Option<Self> {
        long_from(zval, Z_EXPECTED_LONG).map(Int)
    }
}

/// A PHP `?int` parameter that may be omitted: `null` or a missing argument is `None`,
/// anything else follows [`Int`]'s rules.
pub struct OptInt(pub Option<i64>);

impl<'a> FromZvalMut<'a> for OptInt {
    const TYPE: DataType = DataType::Long;
    const NULLABLE: bool = true;

    fn from_zval_mut(zval: &'a mut Zval) -> Option<Self> {
        if zval.is_null() {
            return Some(OptInt(None));
        }
        long_from(zval, Z_EXPECTED_LONG + OR_NULL).map(|n| OptInt(Some(n)))
    }

    fn from_missing() -> Option<Self> {
        Some(OptInt(None))
    }
}

/// A PHP `int` parameter with a default (`#[php(defaults(x = N))]`). Declared nullable so the
/// macro hands an explicit `null` to the engine's rules (a deprecation and 0 outside
/// strict_types, a TypeError under it) instead of refusing it with a message of its own;
/// [`fix_arginfo`] then declares it a plain `int` again.
pub struct DefaultInt(pub i64);

impl From<i64> for DefaultInt {
    fn from(n: i64) -> Self {
        DefaultInt(n)
    }
}

impl ext_php_rs::convert::StubLiteral for DefaultInt {
    fn stub_literal(&self) -> String {
        self.0.to_string()
    }
}

impl<'a> FromZvalMut<'a> for DefaultInt {
    const TYPE: DataType = DataType::Long;
    const NULLABLE: bool = true;

    fn from_zval_mut(zval: &'a mut Zval) -> Option<Self> {
        long_from(zval, Z_EXPECTED_LONG).map(DefaultInt)
    }
}

/// `MAY_BE_*` bits of a zend_type mask (1 << IS_*): `false`.
pub const MAY_BE_FALSE: u32 = 1 << 2;
/// `int`.
pub const MAY_BE_LONG: u32 = 1 << 4;
/// `string`.
pub const MAY_BE_STRING: u32 = 1 << 6;
/// Every value type (`mixed`).
const MAY_BE_ANY: u32 = 0x3fe;

/// Where a declared type is corrected: the return type or a parameter (0-based).
#[derive(Clone, Copy)]
pub enum Slot {
    /// The return type.
    Return,
    /// Parameter number N, counting from 0.
    Param(usize),
}

/// Sets the declared type of `slot` of the registered function `name` to `mask` (MAY_BE_*
/// bits), keeping the other flags. Call from module startup, after the functions are
/// registered and before any script runs. Returns whether the function was found.
pub fn fix_arginfo(name: &str, slot: Slot, mask: u32) -> bool {
    // SAFETY: the compiler globals are static for the life of the process; at module startup
    // the (compiler's) function table holds zend_function pointers whose
    // arg_info (copied by zend_register_functions into memory of the engine's) is not yet
    // read by anything; entries index -1 (return type) to num_args - 1.
    unsafe {
        let Some(func) = ext_php_rs::ffi::ext_php_rs_compiler_globals()
            .as_ref()
            .and_then(|globals| globals.function_table.as_ref())
            .and_then(|table| table.get(name))
            .and_then(|zv| zv.ptr::<zend_function>())
        else {
            return false;
        };
        let common = &(*func).common;
        let info = common.arg_info;
        if info.is_null() {
            return false;
        }
        let index: isize = match slot {
            Slot::Return => -1,
            Slot::Param(i) if i < common.num_args as usize => i as isize,
            Slot::Param(_) => return false,
        };
        let entry: *mut zend_arg_info = info.offset(index);
        let t = &mut (*entry).type_.type_mask;
        *t = (*t & !MAY_BE_ANY) | mask;
    }
    true
}
