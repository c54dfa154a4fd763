//! QR codes as inline SVG (qrcode crate), ready to embed in an HTML page.

use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

use crate::error::{Error, Result};

/// Longest text accepted, in bytes (an otpauth URI is well under 300).
pub const MAX_TEXT: usize = 2048;
/// Smallest displayed side, in CSS pixels.
const MIN_SIDE: u32 = 200;

/// The QR code of `text` as an `<svg>` element: error correction level M, a four-module quiet
/// zone, black on white, displayed at least 200×200 pixels, no XML prolog.
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
    Ok(render(&code))
}

/// Draws the modules as one path in module units, each horizontal run of dark modules one
/// rectangle (much smaller than a rectangle per module), scaled by a whole factor to at least
/// [`MIN_SIDE`] pixels so edges stay crisp.
fn render(code: &QrCode) -> String {
    const QUIET: usize = 4;
    let width = code.width();
    let side = width + 2 * QUIET;
    let shown = (side as u32) * MIN_SIDE.div_ceil(side as u32);
    let colors = code.to_colors();
    let mut path = String::with_capacity(width * width);
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", start + QUIET, y + QUIET));
            } else {
                x += 1;
            }
        }
    }
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{shown}" height="{shown}" "#,
            r#"viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="QR code">"#,
            r##"<rect width="{side}" height="{side}" fill="#ffffff"/>"##,
            r##"<path fill="#000000" d="{path}"/></svg>"##
        ),
        shown = shown,
        side = side,
        path = path
    )
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
        assert!(s.len() < 12_000, "{}", s.len());
        // Scaled by a whole factor to at least 200 pixels, in module units inside.
        let w = number_after(&s, "width=\"", '"');
        let vb = number_after(&s, "viewBox=\"0 0 ", ' ');
        assert!(w >= 200 && w % vb == 0 && vb < 80, "{w} {vb}");
    }

    /// The number that follows the first `prefix` in `svg`, up to `end`.
    fn number_after(svg: &str, prefix: &str, end: char) -> u32 {
        svg.split(prefix)
            .nth(1)
            .and_then(|rest| rest.split(end).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number after {prefix:?} in the SVG"))
    }

    /// Rasterizes our own SVG path (4 pixels per module) and decodes it with rqrr.
    fn decode(svg_text: &str) -> String {
        let side = number_after(svg_text, "viewBox=\"0 0 ", ' ') as usize;
        let d = svg_text
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let scale = 4;
        let px = side * scale;
        let mut dark = vec![false; side * side];
        for seg in d.split('M').filter(|s| !s.is_empty()) {
            let (xy, rest) = seg.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let run: usize = rest.split('v').next().unwrap().parse().unwrap();
            for i in 0..run {
                dark[y * side + x + i] = true;
            }
        }
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
            if dark[(y / scale) * side + x / scale] {
                0
            } else {
                255
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn decodes_back_to_the_text() {
        for text in [
            "otpauth://totp/Example%20Blog:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Blog&algorithm=SHA1&digits=6&period=30",
            "x",
            "Zoë ✓",
        ] {
            assert_eq!(decode(&svg(text.as_bytes()).unwrap()), text);
        }
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
