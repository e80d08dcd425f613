//! Real OTP clients against the demo: `oathtool` computes the code of a device enrolled
//! through the web page (key read from the page HTML) and the demo accepts it; `zbarimg`
//! decodes the page's QR code, rendered to PNG by `rsvg-convert`, back to the exact otpauth
//! URI shown on the page, issuer included.
//!
//! A missing tool skips its test (printing SKIPPED) unless `OTPKIT_REQUIRE_TOOLS=1`, as in
//! `.ci/run`, which installs `oathtool`, `zbar-tools` and `librsvg2-bin`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Demo, Http, artifacts_dir, enrolment_secret_and_uri, env_flag, which};

/// The tool's path, or `None` after printing SKIPPED (a failure with
/// `OTPKIT_REQUIRE_TOOLS=1`).
fn tool(name: &str, package: &str, test: &str) -> Option<PathBuf> {
    let found = which(&[name]);
    if found.is_none() {
        assert!(
            !env_flag("OTPKIT_REQUIRE_TOOLS"),
            "OTPKIT_REQUIRE_TOOLS=1 but {name} is missing (apt-get install {package})"
        );
        common::skipped(&format!(
            "{test}: {name} not found (apt-get install {package})"
        ));
    }
    found
}

#[test]
fn oathtool_code_for_a_web_enrolled_device_is_accepted() {
    let Some(oathtool) = tool("oathtool", "oathtool", "oathtool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let http = Http::new(&demo.url);
    http.sign_up("olive", "olive-password-1", None);
    let page = http.start_totp();
    let (secret, uri) = enrolment_secret_and_uri(&page.body);
    assert!(uri.contains(&format!("secret={secret}&")), "{uri}");

    let out = Command::new(oathtool)
        .args(["--totp", "-b", &secret])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(code.len(), 6, "{code}");

    let codes = http.submit(&page, "/otp/devices/totp/new/", &[("otp_token", &code)]);
    assert_eq!(
        codes.path, "/otp/devices/new/backup-codes/",
        "the setup goes on to the backup codes: {}",
        codes.body
    );
    assert_eq!(http.level(), "verified");
    let list: serde_json::Value =
        serde_json::from_str(&demo.otp(&["device", "list", "--user", "olive", "--json"])).unwrap();
    assert_eq!(list[0]["model_label"], "otp_totp.totpdevice");
    assert_eq!(list[0]["confirmed"], true);
}

/// Renders `svg` to PNG with rsvg-convert and decodes it with zbarimg.
fn decode_svg(svg: &str, name: &str, rsvg: &PathBuf, zbarimg: &PathBuf) -> String {
    let dir = artifacts_dir();
    let svg_path = dir.join(format!("{name}.svg"));
    let png_path = dir.join(format!("{name}.png"));
    std::fs::write(&svg_path, svg).unwrap();
    let st = Command::new(rsvg)
        .args(["--width", "400", "--height", "400", "--output"])
        .arg(&png_path)
        .arg(&svg_path)
        .status()
        .unwrap();
    assert!(
        st.success(),
        "rsvg-convert failed on {}",
        svg_path.display()
    );
    let out = Command::new(zbarimg)
        .args(["--raw", "-q"])
        .arg(&png_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zbarimg found no code in {}",
        png_path.display()
    );
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

#[test]
fn zbarimg_decodes_the_enrolment_qr_to_the_exact_uri() {
    let test = "zbarimg";
    let Some(zbarimg) = tool("zbarimg", "zbar-tools", test) else {
        return;
    };
    let Some(rsvg) = tool("rsvg-convert", "librsvg2-bin", test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let http = Http::new(&demo.url);
    http.sign_up("quinn", "quinn-password-1", None);
    let page = http.start_totp();
    let (_, uri) = enrolment_secret_and_uri(&page.body);
    // The issuer is the site's name by default: the app lists "otpkit demo (quinn)".
    assert!(
        uri.starts_with("otpauth://totp/otpkit%20demo:quinn?secret="),
        "{uri}"
    );
    assert!(uri.ends_with("&issuer=otpkit%20demo"), "{uri}");

    // The QR code inlined in the page…
    let start = page.body.find("<svg").unwrap();
    let end = page.body[start..].find("</svg>").unwrap() + start + "</svg>".len();
    let inline = &page.body[start..end];
    assert_eq!(decode_svg(inline, "qr-inline", &rsvg, &zbarimg), uri);

    // …and the enrolment's SVG endpoint.
    let svg = http.get("/otp/devices/totp/new/qrcode.svg");
    assert_eq!(svg.status, 200);
    assert_eq!(decode_svg(&svg.body, "qr-endpoint", &rsvg, &zbarimg), uri);
}
