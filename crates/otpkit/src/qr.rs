//! QR codes of provisioning URIs (docs/behaviour.md §5.6), rendered with the `qrcode` crate.
//!
//! The symbol carries the data exactly: one **byte-mode** segment (no mode optimisation, so
//! a decoder returns the bytes untouched), error correction level **M**, the smallest
//! version that fits, and a quiet zone of **4 modules** on every side.
//!
//! * [`qr_svg`]: SVG (`image/svg+xml`) drawn with `fill` attributes only — no `style`
//!   attribute or element, so it renders under a `default-src 'self'` Content Security
//!   Policy.
//! * [`qr_unicode`]: Unicode half blocks (`▀ ▄ █`, two modules per character vertically) for
//!   terminals. Light modules are drawn as blocks (like `qrencode -t UTF8`), which suits the
//!   usual light-on-dark terminal.
//! * `qr_png` (feature `png`): an 8-bit greyscale PNG, 8 pixels per module.
//!
//! The output carries the otpauth URI and thus the key: serve it with
//! `Cache-Control: no-store` and never log it.
//!
//! ```
//! let svg = otpkit::qr::qr_svg("otpauth://totp/alice?secret=AAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
//! assert!(svg.contains("<svg") && !svg.contains("style"));
//! ```

use qrcode::bits::Bits;
use qrcode::render::{svg, unicode};
use qrcode::types::QrError as EncodeError;
use qrcode::{EcLevel, QrCode, Version};

/// The quiet zone around the symbol, in modules.
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The data does not fit in a version 40 symbol at error correction level M.
    #[error("the data is too long for a QR code")]
    DataTooLong,
    /// The encoder failed for another reason (not expected for byte mode at level M).
    #[error("QR encoding failed: {reason}")]
    Encode {
        /// The `qrcode` crate's description of the failure.
        reason: String,
    },
    /// The PNG encoder failed.
    #[cfg(feature = "png")]
    #[error("PNG encoding failed")]
    Png(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn encode_error(e: EncodeError) -> QrError {
    match e {
        EncodeError::DataTooLong => QrError::DataTooLong,
        other => QrError::Encode {
            reason: other.to_string(),
        },
    }
}

/// Encodes `data` as one byte-mode segment at level M, in the smallest version that fits.
fn encode(data: &str) -> Result<QrCode, QrError> {
    let bytes = data.as_bytes();
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let pushed = bits
            .push_byte_data(bytes)
            .and_then(|()| bits.push_terminator(EcLevel::M));
        match pushed {
            Ok(()) => return QrCode::with_bits(bits, EcLevel::M).map_err(encode_error),
            Err(EncodeError::DataTooLong) => continue,
            Err(e) => return Err(encode_error(e)),
        }
    }
    Err(QrError::DataTooLong)
}

/// An SVG document of the QR code of `data` (8 user units per module, black on white).
///
/// ```
/// let svg = otpkit::qr::qr_svg("hello").unwrap();
/// assert!(svg.starts_with("<?xml"));
/// assert!(svg.ends_with("</svg>"));
/// ```
pub fn qr_svg(data: &str) -> Result<String, QrError> {
    let code = encode(data)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The QR code of `data` as lines of Unicode half blocks, two module rows per line.
///
/// Light modules (and the quiet zone) are printed as block characters and dark modules as
/// spaces, so the code reads correctly on a terminal with light text on a dark background.
///
/// ```
/// let text = otpkit::qr::qr_unicode("hello").unwrap();
/// // Version 1: 21 modules + 2 × 4 quiet zone = 29 columns, ⌈29 / 2⌉ = 15 lines.
/// assert_eq!(text.lines().count(), 15);
/// assert!(text.lines().all(|l| l.chars().count() == 29));
/// ```
pub fn qr_unicode(data: &str) -> Result<String, QrError> {
    let code = encode(data)?;
    Ok(code
        .render::<unicode::Dense1x2>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

/// The QR code of `data` as a PNG image: 8-bit greyscale, 8 pixels per module.
///
/// ```
/// let png = otpkit::qr::qr_png("hello").unwrap();
/// assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
/// ```
#[cfg(feature = "png")]
#[cfg_attr(docsrs, doc(cfg(feature = "png")))]
pub fn qr_png(data: &str) -> Result<Vec<u8>, QrError> {
    use image::ImageEncoder;
    use image::codecs::png::PngEncoder;

    let code = encode(data)?;
    let img = code
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(8, 8)
        .build();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|e| QrError::Png(Box::new(e)))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "otpauth://totp/Very%20Trustworthy%20Source:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=Very%20Trustworthy%20Source";

    /// The module matrix (true = dark) including the quiet zone.
    fn modules_with_quiet_zone(code: &QrCode) -> Vec<Vec<bool>> {
        let w = code.width();
        let colors = code.to_colors();
        let total = w + 2 * QUIET_ZONE;
        (0..total)
            .map(|y| {
                (0..total)
                    .map(|x| {
                        let inside = (QUIET_ZONE..QUIET_ZONE + w).contains(&x)
                            && (QUIET_ZONE..QUIET_ZONE + w).contains(&y);
                        inside
                            && colors[(y - QUIET_ZONE) * w + (x - QUIET_ZONE)]
                                == qrcode::Color::Dark
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn byte_mode_level_m() {
        let code = encode(URI).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::M);
        // Byte mode: 4 + 16 bits of header + 8 per byte must fit the chosen version and not
        // the one before (the smallest version is used).
        let Version::Normal(v) = code.version() else {
            panic!("micro version")
        };
        let mut bits = Bits::new(Version::Normal(v - 1));
        let too_small = bits
            .push_byte_data(URI.as_bytes())
            .and_then(|()| bits.push_terminator(EcLevel::M));
        assert_eq!(too_small, Err(EncodeError::DataTooLong));
        // A numeric-looking string is still byte mode: same version as letters of equal length.
        let digits = encode(&"1".repeat(100)).unwrap();
        let letters = encode(&"a".repeat(100)).unwrap();
        assert_eq!(digits.version(), letters.version());
    }

    #[test]
    fn too_long() {
        // Version 40-M holds 2331 bytes in byte mode.
        assert!(encode(&"a".repeat(2331)).is_ok());
        assert!(matches!(
            encode(&"a".repeat(2332)),
            Err(QrError::DataTooLong)
        ));
        assert!(matches!(
            qr_svg(&"a".repeat(5000)),
            Err(QrError::DataTooLong)
        ));
    }

    #[test]
    fn svg_is_csp_safe_and_matches_modules() {
        let svg = qr_svg(URI).unwrap();
        assert!(!svg.contains("style"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(svg.contains("fill=\"#000000\""));
        let code = encode(URI).unwrap();
        let total = (code.width() + 2 * QUIET_ZONE) * 8;
        assert!(
            svg.contains(&format!("viewBox=\"0 0 {total} {total}\"")),
            "{svg}"
        );
    }

    #[test]
    fn unicode_text_matches_modules() {
        let code = encode(URI).unwrap();
        let m = modules_with_quiet_zone(&code);
        let text = qr_unicode(URI).unwrap();
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        assert_eq!(lines.len(), m.len().div_ceil(2));
        for (row, line) in lines.iter().enumerate() {
            assert_eq!(line.len(), m.len());
            for (x, ch) in line.iter().enumerate() {
                // A block means "light" in this rendering.
                let (top_light, bottom_light) = match ch {
                    ' ' => (false, false),
                    '\u{2580}' => (true, false),
                    '\u{2584}' => (false, true),
                    '\u{2588}' => (true, true),
                    other => panic!("unexpected {other:?}"),
                };
                assert_eq!(top_light, !m[2 * row][x]);
                if let Some(bottom) = m.get(2 * row + 1) {
                    assert_eq!(bottom_light, !bottom[x]);
                } else {
                    assert!(!bottom_light);
                }
            }
        }
        // The quiet zone: the first two lines are all full blocks.
        assert!(lines[0].iter().all(|&c| c == '\u{2588}'));
        assert!(lines[1].iter().all(|&c| c == '\u{2588}'));
    }

    #[cfg(feature = "png")]
    #[test]
    fn png_matches_modules() {
        let code = encode(URI).unwrap();
        let m = modules_with_quiet_zone(&code);
        let png = qr_png(URI).unwrap();
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap()
            .to_luma8();
        assert_eq!(img.width() as usize, m.len() * 8);
        assert_eq!(img.height() as usize, m.len() * 8);
        for (y, row) in m.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                let p = img.get_pixel((x * 8 + 4) as u32, (y * 8 + 4) as u32).0[0];
                assert_eq!(p, if dark { 0 } else { 255 }, "module ({x}, {y})");
            }
        }
    }

    /// Runs `zbarimg` on `path`: `Some(text)` when it decoded a QR code, `None` when it could
    /// not read the image format (exit status 1 or 2), panicking when it found no code.
    fn zbarimg(path: &std::path::Path) -> Option<String> {
        let out = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
            .arg(path)
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => {
                let text = String::from_utf8(out.stdout).unwrap();
                Some(text.strip_suffix('\n').unwrap_or(&text).to_owned())
            }
            Some(1 | 2) => None,
            _ => panic!("zbarimg found no QR code in {}: {out:?}", path.display()),
        }
    }

    /// The Unicode rendering as a binary PGM: a block is light, a space dark; 4 px per module.
    fn unicode_to_pgm(text: &str) -> Vec<u8> {
        const SCALE: usize = 4;
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let width = lines[0].len();
        let mut rows: Vec<Vec<bool>> = Vec::new(); // true = light
        for line in &lines {
            let (top, bottom): (Vec<bool>, Vec<bool>) = line
                .iter()
                .map(|c| match c {
                    ' ' => (false, false),
                    '\u{2580}' => (true, false),
                    '\u{2584}' => (false, true),
                    _ => (true, true),
                })
                .unzip();
            rows.push(top);
            rows.push(bottom);
        }
        let mut pgm = format!("P5 {} {} 255\n", width * SCALE, rows.len() * SCALE).into_bytes();
        for row in &rows {
            for _ in 0..SCALE {
                for &light in row {
                    pgm.extend(std::iter::repeat_n(if light { 255 } else { 0 }, SCALE));
                }
            }
        }
        pgm
    }

    /// A standard decoder returns the exact URI from every rendering (docs/behaviour.md §5.6,
    /// REQ-15). Runs only where `zbarimg` (zbar-tools) is installed; elsewhere it says so and
    /// passes. The SVG is checked only if zbarimg's ImageMagick can read SVG.
    #[test]
    fn zbarimg_decodes_every_rendering_to_the_exact_uri() {
        if std::process::Command::new("zbarimg")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("zbarimg not installed: skipping the decoder round trip");
            return;
        }
        let dir = std::env::temp_dir().join(format!("otpkit-qr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let uris = [
            URI.to_owned(),
            "otpauth://hotp/alice%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&counter=0".to_owned(),
            format!(
                "otpauth://totp/example.com:alice?secret={}&algorithm=SHA512&digits=8&period=30&issuer=example.com&image=https://example.com/a.png",
                "A".repeat(103)
            ),
        ];
        for (i, uri) in uris.iter().enumerate() {
            let svg = dir.join(format!("qr{i}.svg"));
            std::fs::write(&svg, qr_svg(uri).unwrap()).unwrap();
            match zbarimg(&svg) {
                Some(decoded) => assert_eq!(&decoded, uri, "SVG"),
                None => eprintln!("zbarimg cannot read SVG here: SVG check skipped"),
            }
            let pgm = dir.join(format!("qr{i}.pgm"));
            std::fs::write(&pgm, unicode_to_pgm(&qr_unicode(uri).unwrap())).unwrap();
            assert_eq!(zbarimg(&pgm).as_deref(), Some(uri.as_str()), "Unicode");
            #[cfg(feature = "png")]
            {
                let png = dir.join(format!("qr{i}.png"));
                std::fs::write(&png, qr_png(uri).unwrap()).unwrap();
                assert_eq!(zbarimg(&png).as_deref(), Some(uri.as_str()), "PNG");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
