//! QR codes as inline SVG (qrcode crate), ready to embed in an HTML page.

use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode};

use crate::error::{Error, Result};

/// Longest text accepted, in bytes (an otpauth URI is well under 300).
pub const MAX_TEXT: usize = 2048;
/// Smallest rendered side, in pixels.
const MIN_SIDE: u32 = 200;

/// The QR code of `text` as an `<svg>` element: error correction level M, a four-module quiet
/// zone, black on white, at least 200×200 pixels, no XML prolog.
pub fn svg(text: &[u8]) -> Result<String> {
    if text.is_empty() {
        return Err(Error::InvalidArgument {
            what: "text",
            reason: "must not be empty",
        });
    }
    if text.len() > MAX_TEXT {
        return Err(Error::TooLarge {
            what: "text",
            len: text.len(),
            max: MAX_TEXT,
        });
    }
    let code = QrCode::with_error_correction_level(text, EcLevel::M).map_err(|e| match e {
        QrError::DataTooLong => Error::TooLarge {
            what: "text",
            len: text.len(),
            max: MAX_TEXT,
        },
        _ => Error::InvalidArgument {
            what: "text",
            reason: "cannot be encoded as a QR code",
        },
    })?;
    let image = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .min_dimensions(MIN_SIDE, MIN_SIDE)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The renderer emits an XML declaration, which is not allowed inside HTML.
    let start = image.find("<svg").unwrap_or(0);
    Ok(image[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn renders_inline_svg_without_prolog() {
        let s =
            svg(b"otpauth://totp/Blog:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blog")
                .unwrap();
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{}",
            &s[..60]
        );
        assert!(s.ends_with("</svg>"));
        assert!(!s.contains("<?xml"));
        assert!(s.contains("#000000") && s.contains("#ffffff"));
        assert!(s.len() < 40_000, "{}", s.len());
    }

    #[test]
    fn refuses_empty_and_oversized() {
        assert!(matches!(svg(b""), Err(Error::InvalidArgument { .. })));
        assert!(matches!(
            svg(&[b'a'; MAX_TEXT + 1]),
            Err(Error::TooLarge { .. })
        ));
        // Binary data within the limit either renders or is a clear error.
        assert!(svg(&[0xffu8; 1500]).is_ok());
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = svg(&b);
        }
    }
}
