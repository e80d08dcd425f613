//! `otpkit import django`: django-otp's devices from a Django database into otpkit's
//! (otpkit-django). Prints the report as text or JSON; exit 0 when clean, 4
//! ([`EXIT_PARTIAL`](crate::EXIT_PARTIAL)) when devices were skipped or users failed.

use otpkit_django::{ImportOptions, SourceError, UserMapping};

use crate::cli::{DjangoArgs, DjangoUsers};
use crate::context::Ctx;
use crate::failure::{Failure, Res};

/// Reads the Django database at `--from`, imports (or with `--dry-run` checks) its devices
/// and prints the report.
pub(crate) async fn django(ctx: &Ctx, args: DjangoArgs) -> Res {
    let mapping = match (args.user_query, args.users) {
        (Some(q), _) => UserMapping::Query(q),
        (None, DjangoUsers::Username) => UserMapping::Username,
        (None, DjangoUsers::Id) => UserMapping::Id,
    };
    let data = otpkit_django::read(&args.from, &mapping)
        .await
        .map_err(source_failure)?;
    let options = ImportOptions {
        dry_run: args.dry_run,
    };
    let report = otpkit_django::import(&ctx.engine, &data, &options)
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::internal(format!("the report could not be written: {e}")))?;
        println!("{json}");
    } else {
        print!("{}", report.to_text());
    }
    if report.is_clean() {
        return Ok(());
    }
    Err(Failure::partial(format!(
        "the import is incomplete (see the report): devices skipped: {}, users failed: {}",
        report.skipped.len(),
        report.failed_users.len()
    )))
}

/// A read failure: the URL, an old schema, a missing `auth_user`, the user query or an
/// impossible value is the input's fault (exit 1); the connection, the transaction or a
/// table's query failing is exit 3. The driver's reason follows the message (it
/// never holds the URL's password).
fn source_failure(e: SourceError) -> Failure {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    match e {
        SourceError::Url { .. }
        | SourceError::Scheme { .. }
        | SourceError::Schema { .. }
        | SourceError::NoUserTable
        | SourceError::UserQuery { .. }
        | SourceError::Value { .. } => Failure::input(message),
        _ => Failure::internal(message),
    }
}
