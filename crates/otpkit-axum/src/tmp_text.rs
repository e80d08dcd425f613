//! TEMPORARY: English texts of package B until the catalogues (package A) land.

/// The English text of `id`.
pub(crate) fn t(id: &str) -> String {
    match id {
        "login-page-expired" => "This page expired. Please try again.",
        "login-cancelled" => "Sign-in cancelled.",
        "login-signed-out" => "You have signed out.",
        _ => id,
    }
    .to_owned()
}
